import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsoleCredentialRow } from '../../common/console-api';
import type { Factory } from '../../common/hub-api';
import type { ErrorInfo } from '../../common/errors';
import { useHub } from '../context';
import { Dialog } from '../components/Dialog';
import { ErrorLine } from '../components/ErrorLine';
import { infoOf } from '../state/errors';
import { say } from '../state/store';

/**
 * Where a credential is burned: a factory, optionally one of its lines, optionally one station of that line
 * (`POST /v1/admin/credentials/:id/assign`). `factories` are those the account sees: a factory manager's own only,
 * and it cannot take a credential out of its factory (the hub refuses that too).
 */
export function AssignDialog({
  row,
  factories,
  canUnassign,
  onClose,
  onChanged,
}: {
  row: ConsoleCredentialRow;
  factories: Factory[];
  canUnassign: boolean;
  onClose: () => void;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const client = useHub();
  const [factoryId, setFactoryId] = useState(row.assignment.factory?.id ?? (canUnassign ? '' : (factories[0]?.id ?? '')));
  const [lineId, setLineId] = useState(row.assignment.line?.id ?? '');
  const [stationId, setStationId] = useState(row.assignment.station?.id ?? '');
  const [error, setError] = useState<ErrorInfo | null>(null);
  const factory = factories.find((f) => f.id === factoryId);
  const line = factory?.lines.find((l) => l.id === lineId);
  const stations = line?.stations.filter((s) => s.revokedAt === null) ?? [];

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    try {
      await client.call('assign', {
        id: row.id,
        body: { factoryId: factoryId || null, lineId: lineId || null, stationId: stationId || null },
      });
      const where = factory
        ? [
            factory.name,
            line?.name ?? t('credentials.anyLine'),
            stations.find((s) => s.id === stationId)?.name ?? t('credentials.anyStation'),
          ].join(' · ')
        : t('credentials.unassigned');
      say({ kind: 'success', key: 'assign.done', vars: { name: row.name, where } });
      onChanged();
      onClose();
    } catch (err) {
      setError(infoOf(err));
    }
  };

  return (
    <Dialog title={t('assign.title')} onClose={onClose} testId="assign-dialog">
      <form onSubmit={(e) => void submit(e)} className="stack">
        <p>
          <strong>{row.name}</strong> · {row.product.name} ({row.product.pid})
        </p>
        <p className="muted">{t('assign.text')}</p>
        <label className="field">
          {t('assign.factory')}
          <select
            value={factoryId}
            onChange={(e) => {
              setFactoryId(e.target.value);
              setLineId('');
              setStationId('');
            }}
            data-testid="assign-factory"
          >
            {canUnassign ? <option value="">{t('credentials.unassigned')}</option> : null}
            {factories.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('assign.line')}
          <select
            value={lineId}
            disabled={!factory}
            onChange={(e) => {
              setLineId(e.target.value);
              setStationId('');
            }}
            data-testid="assign-line"
          >
            <option value="">{t('credentials.anyLine')}</option>
            {factory?.lines.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('assign.station')}
          <select value={stationId} disabled={!line} onChange={(e) => setStationId(e.target.value)} data-testid="assign-station">
            <option value="">{t('credentials.anyStation')}</option>
            {stations.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <ErrorLine error={error} />
        <button className="primary" type="submit" data-testid="assign-submit">
          {t('assign.submit')}
        </button>
      </form>
    </Dialog>
  );
}

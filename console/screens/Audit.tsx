import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditEntry } from '../../common/hub-api';
import type { ErrorInfo } from '../../common/errors';
import type { Query } from '../api';
import { useHub } from '../context';
import { ErrorLine } from '../components/ErrorLine';
import { dateTime } from '../i18n';
import { infoOf } from '../state/errors';
import { saveFile } from '../state/files';
import { say, useStore } from '../state/store';
import { shortId } from '../../common/ids';

interface Filters {
  actor: string;
  credential: string;
  kind: string;
  from: string;
  to: string;
}
const empty: Filters = { actor: '', credential: '', kind: '', from: '', to: '' };
/** A datetime-local field's value as the ISO-8601 time the hub takes. */
const iso = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);

/** Who did what: the hub's audit log with its filters, newest first, and the same entries as CSV. */
export function Audit() {
  const { t, i18n } = useTranslation();
  const client = useHub();
  const language = useStore((s) => s.language);
  const [form, setForm] = useState<Filters>(empty);
  const [applied, setApplied] = useState<Filters>(empty);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const query = (f: Filters): Query => ({
    actor: f.actor.trim(),
    credential: f.credential.trim(),
    kind: f.kind.trim(),
    from: iso(f.from),
    to: iso(f.to),
    limit: 1000,
  });

  const load = useCallback(async (): Promise<void> => {
    try {
      setEntries((await client.call('audit', { query: query(applied) })).entries.slice().reverse());
      setError(null);
    } catch (e) {
      setError(infoOf(e));
    }
  }, [client, applied]);
  useEffect(() => {
    void load();
  }, [load]);

  const exportCsv = async (): Promise<void> => {
    try {
      const csv = await client.call('auditCsv', { query: query(applied) });
      const file = `audit-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.csv`;
      saveFile(file, csv, 'text/csv');
      say({ kind: 'success', key: 'audit.exported', vars: { file } });
    } catch (e) {
      setError(infoOf(e));
    }
  };
  const field = (k: keyof Filters, type = 'text') => (
    <label className="field">
      {t(`audit.${k}`)}
      <input type={type} value={form[k]} onChange={(e) => setForm({ ...form, [k]: e.target.value })} data-testid={`audit-${k}`} />
    </label>
  );

  return (
    <section className="panel" aria-labelledby="audit-title">
      <h1 id="audit-title">{t('audit.title')}</h1>
      <form
        className="row filters"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          setApplied(form);
        }}
      >
        {field('actor')}
        {field('credential')}
        {field('kind')}
        {field('from', 'datetime-local')}
        {field('to', 'datetime-local')}
        <button type="submit" className="primary" data-testid="audit-apply">
          {t('audit.apply')}
        </button>
        <button type="button" onClick={() => void exportCsv()} data-testid="audit-export">
          {t('audit.export')}
        </button>
      </form>
      <ErrorLine error={error} />
      {entries && entries.length === 0 ? (
        <p className="muted">{t('audit.none')}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col" className="num">
                  {t('audit.seq')}
                </th>
                <th scope="col">{t('audit.at')}</th>
                <th scope="col">{t('audit.actor')}</th>
                <th scope="col">{t('audit.kind')}</th>
                <th scope="col">{t('audit.credential')}</th>
                <th scope="col">{t('audit.outcome')}</th>
                <th scope="col">{t('audit.address')}</th>
                <th scope="col">{t('audit.details')}</th>
              </tr>
            </thead>
            <tbody>
              {entries?.map((e) => (
                <tr key={e.seq} data-testid="audit-row" data-kind={e.kind}>
                  <td className="num">{e.seq}</td>
                  <td>{dateTime(e.at, language)}</td>
                  <td>
                    {e.actor.name ?? e.actor.id ?? e.actor.kind}
                    <div className="muted">
                      {e.actor.role ? t(`role.${e.actor.role}`) : e.actor.kind}
                      {e.actor.via ? ` · ${e.actor.via}` : ''}
                    </div>
                  </td>
                  <td>{i18n.exists(`auditKind.${e.kind}`) ? t(`auditKind.${e.kind}`) : e.kind}</td>
                  <td>{e.credentialId ? shortId(e.credentialId) : '—'}</td>
                  <td>
                    <span className={`badge ${e.outcome === 'ok' ? 'valid' : 'refused'}`}>{e.outcome}</span>
                  </td>
                  <td>{e.address ?? '—'}</td>
                  <td className="details">{Object.keys(e.details).length ? JSON.stringify(e.details) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

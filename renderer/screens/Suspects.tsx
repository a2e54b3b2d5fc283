import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Suspect } from '../../common/api/schemas';
import { useStore } from '../state/store';
import { showNotice } from '../state/actions';
import { useStation } from '../context';

/**
 * Suspect licenses, each settled only on the module of its burn: the row names that module (its MAC,
 * its scanned label, the slot and time) so the supervisor puts it back in the jig and reads it back.
 * A module without a MAC is matched by its label, or confirmed by the supervisor; a module holding
 * another license needs the supervisor's choice for this one (back to its group, or void). A lost
 * module's license is voided with a reason.
 */
export function SuspectsTab() {
  const { t } = useTranslation();
  const { api, controller } = useStation();
  const [list, setList] = useState<Suspect[]>([]);
  const load = useCallback(async () => {
    const r = await controller.run(api.supervisor.suspects());
    if (r) setList(r);
  }, [api, controller]);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <section className="panel" data-testid="suspects">
      {list.length === 0 ? (
        <p>{t('supervisor.suspects.none')}</p>
      ) : (
        list.map((s) => <SuspectCard key={s.uuid} suspect={s} onSettled={load} />)
      )}
    </section>
  );
}

function SuspectCard({ suspect: s, onSettled }: { suspect: Suspect; onSettled: () => Promise<void> }) {
  const { t, i18n } = useTranslation();
  const { api, controller } = useStation();
  const apply = useStore((st) => st.apply);
  const groups = useStore((st) => st.groups);
  const [serial, setSerial] = useState('');
  const [confirmUnidentified, setConfirmUnidentified] = useState(false);
  const [other, setOther] = useState<'' | 'release' | 'void'>('');
  const [reason, setReason] = useState('');
  const time = new Date(s.since).toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const slot = s.slotNumber !== null ? t('supervisor.suspects.slotN', { n: s.slotNumber }) : t('supervisor.suspects.unknownSlot');
  const identity =
    s.moduleMac !== null
      ? t('supervisor.suspects.byMac', { mac: s.moduleMac })
      : s.moduleSerial !== null
        ? t('supervisor.suspects.bySerial', { serial: s.moduleSerial })
        : t('supervisor.suspects.unidentified');
  const settle = async (action: 'read_back' | 'void'): Promise<void> => {
    const r = await controller.run(
      api.supervisor.resolveSuspect({
        uuid: s.uuid,
        action,
        ...(s.slotId ? { slotId: s.slotId } : {}),
        ...(action === 'void'
          ? { reason: reason.trim() }
          : {
              ...(serial.trim() ? { moduleSerial: serial.trim() } : {}),
              ...(confirmUnidentified ? { confirmUnidentified } : {}),
              ...(other ? { otherLicense: other } : {}),
            }),
      }),
    );
    // in the station's language: what became of the license, by its state (main's sentence is English)
    if (r) {
      apply(
        showNotice,
        r.state === 'suspect' ? 'error' : 'success',
        t(`supervisor.suspects.result.${action === 'void' ? 'voided' : r.state}`, { slot: s.slotNumber ?? '?' }),
        Date.now(),
      );
      await onSettled();
    }
  };
  return (
    <article className="panel" data-testid="suspect-row" data-uuid={s.uuid}>
      <div className="row">
        <strong className="serial grow">{s.uuid}</strong>
        <span>{groups.find((g) => g.id === s.groupId)?.name ?? s.groupId}</span>
      </div>
      <p>{s.reason}</p>
      <p data-testid="suspect-module">{t('supervisor.suspects.putBack', { slot, time, identity })}</p>
      <div className="row">
        <label className="field">
          {t('supervisor.suspects.serial')}
          <input value={serial} onChange={(e) => setSerial(e.target.value)} maxLength={64} data-testid="suspect-serial" />
        </label>
        <label className="field">
          {t('supervisor.suspects.other')}
          <select value={other} onChange={(e) => setOther(e.target.value as '' | 'release' | 'void')} data-testid="suspect-other">
            <option value="">{t('supervisor.suspects.otherAsk')}</option>
            <option value="release">{t('supervisor.suspects.otherRelease')}</option>
            <option value="void">{t('supervisor.suspects.otherVoid')}</option>
          </select>
        </label>
      </div>
      {s.moduleMac === null ? (
        <label className="row">
          <input
            type="checkbox"
            checked={confirmUnidentified}
            onChange={(e) => setConfirmUnidentified(e.target.checked)}
            data-testid="suspect-confirm"
          />
          {t('supervisor.suspects.confirmUnidentified', { slot, time })}
        </label>
      ) : null}
      <div className="row">
        <button className="small primary" onClick={() => void settle('read_back')} data-testid="read-back">
          {t('supervisor.suspects.readBack')}
        </button>
        <label className="field grow">
          {t('supervisor.suspects.voidReason')}
          <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={200} data-testid="void-reason" />
        </label>
        <button className="small stop" disabled={reason.trim() === ''} onClick={() => void settle('void')} data-testid="void">
          {t('supervisor.suspects.void')}
        </button>
      </div>
    </article>
  );
}

import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Programmer } from '../../common/api/schemas';
import { useStore } from '../state/store';
import { showNotice } from '../state/actions';
import { useStation } from '../context';

/**
 * The programmers plugged into the station and the slot each belongs to. A
 * new programmer (no slot) is assigned by the supervisor: to a new slot, or to
 * a slot whose programmer was replaced. A slot's missing programmer is listed
 * without a port. A slot's DTR/RTS reset (for jigs that wire the module's EN
 * pin) is turned on or off here; off by default.
 */
export function ProgrammersTab() {
  const { t } = useTranslation();
  const { api, controller } = useStation();
  const apply = useStore((s) => s.apply);
  const [list, setList] = useState<Programmer[]>([]);
  const [target, setTarget] = useState<Record<string, string>>({});
  const load = useCallback(async () => {
    const r = await controller.run(api.supervisor.programmers());
    if (r) setList(r);
  }, [api, controller]);
  useEffect(() => {
    void load();
    return api.onProgrammers((p) => setList(p));
  }, [api, load]);
  const slots = list.filter((p) => p.slotId !== null);
  const assign = async (p: Programmer): Promise<void> => {
    const slotId = target[p.key] ?? '';
    const r = await controller.run(api.supervisor.assignProgrammer({ key: p.key, ...(slotId ? { slotId } : {}) }));
    if (r) {
      setList(r.programmers);
      apply(showNotice, 'success', t('supervisor.programmers.assigned', { key: p.key, slot: r.slot.number }), Date.now());
      await controller.refreshOverview();
    }
  };
  const setReset = async (p: Programmer, on: boolean): Promise<void> => {
    const r = await controller.run(api.supervisor.setSlotReset({ slotId: p.slotId!, on }));
    if (r) {
      setList(r.programmers);
      apply(
        showNotice,
        'success',
        t(on ? 'supervisor.programmers.resetOn' : 'supervisor.programmers.resetOff', { n: r.slot.number }),
        Date.now(),
      );
      await controller.refreshOverview();
    }
  };
  return (
    <section className="panel" data-testid="programmers">
      <table>
        <thead>
          <tr>
            <th>{t('supervisor.programmers.key')}</th>
            <th>{t('supervisor.programmers.model')}</th>
            <th>{t('supervisor.programmers.port')}</th>
            <th>{t('supervisor.programmers.slot')}</th>
            <th>{t('supervisor.programmers.reset')}</th>
          </tr>
        </thead>
        <tbody>
          {list.map((p) => (
            <tr key={p.key} data-testid="programmer-row" data-key={p.key}>
              <td>
                <code>{p.key}</code>
              </td>
              <td>{p.model ?? '—'}</td>
              <td>{p.port ?? <span className="result-err">{t('slot.phase.missing')}</span>}</td>
              <td>
                {p.slotNumber !== null ? (
                  t('slot.title', { n: p.slotNumber })
                ) : (
                  <span className="row">
                    <span className="badge waiting">{t('supervisor.programmers.new')}</span>
                    <select
                      value={target[p.key] ?? ''}
                      onChange={(e) => setTarget({ ...target, [p.key]: e.target.value })}
                      aria-label={t('supervisor.programmers.to')}
                      data-testid="assign-target"
                    >
                      <option value="">{t('supervisor.programmers.newSlot')}</option>
                      {slots.map((s) => (
                        <option key={s.slotId} value={s.slotId!}>
                          {t('supervisor.programmers.replace', { n: s.slotNumber })}
                        </option>
                      ))}
                    </select>
                    <button className="small primary" onClick={() => void assign(p)} data-testid="assign">
                      {t('supervisor.programmers.assign')}
                    </button>
                  </span>
                )}
              </td>
              <td>
                {p.slotNumber !== null ? (
                  <input
                    type="checkbox"
                    checked={p.resetOnOpen}
                    disabled={!p.resetOnOpen && !p.resetKnown}
                    onChange={(e) => void setReset(p, e.target.checked)}
                    aria-label={t('supervisor.programmers.resetLabel', { n: p.slotNumber })}
                    title={p.resetKnown ? undefined : t('supervisor.programmers.resetUnknown')}
                    data-testid="slot-reset"
                  />
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.length === 0 ? <p>{t('supervisor.programmers.none')}</p> : null}
    </section>
  );
}

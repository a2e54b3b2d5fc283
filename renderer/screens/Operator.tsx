import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { GroupSummary, SlotState } from '../../common/api/schemas';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../state/store';
import {
  moveSlotSelection,
  selectAnyRunning,
  selectGroupsForPicker,
  selectSelectedGroup,
  selectSelectedSlot,
  selectSignedOn,
  selectSlotNumber,
  showNotice,
} from '../state/actions';
import { groupBlockText, portText, productLabel, slotLook, stopText } from '../state/slot-text';
import { feedWedge, settleWedge, wedgeInitial, WEDGE_GAP_MS, type WedgeOutput } from '../state/wedge';
import { useStation } from '../context';

const isTyping = (el: Element | null): boolean =>
  el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement;

export function Operator() {
  const { t } = useTranslation();
  const { controller } = useStation();
  const apply = useStore((s) => s.apply);
  const groups = useStore(useShallow(selectGroupsForPicker));
  const group = useStore(selectSelectedGroup);
  const slots = useStore((s) => s.slots);
  const selectedSlotId = useStore((s) => s.selectedSlotId);
  const running = useStore(selectAnyRunning);
  const signedOn = useStore(selectSignedOn);
  const selectedSlot = useStore(selectSelectedSlot);
  // the operator's pick goes to every slot, or to the selected slot only
  const [scope, setScope] = useState<'all' | 'slot'>('all');
  const wedge = useRef(wedgeInitial);

  useEffect(() => {
    void controller.refreshOverview();
  }, [controller]);

  // Keyboard-only operation and the barcode scanner (keyboard wedge) share the keyboard.
  useEffect(() => {
    const act = (out: WedgeOutput): void => {
      if (out.kind === 'scan') {
        const state = useStore.getState();
        // nobody signed on: a scanned label is a badge
        if (!selectSignedOn(state)) {
          void controller.signOn(out.serial);
          return;
        }
        const slot = state.slots.find((s) => s.slotId === state.selectedSlotId);
        void controller.scanSerial(out.serial).then(() => {
          if (slot) apply(showNotice, 'info', t('operator.scanned', { serial: out.serial, slot: slot.number }), Date.now());
        });
        return;
      }
      if (out.kind !== 'key') return;
      const state = useStore.getState();
      const key = out.key;
      if (/^[1-9]$/.test(key)) apply(selectSlotNumber, Number(key));
      else if (key === 'ArrowRight' || key === 'ArrowDown') apply(moveSlotSelection, 1);
      else if (key === 'ArrowLeft' || key === 'ArrowUp') apply(moveSlotSelection, -1);
      else if (key === ' ' && state.selectedSlotId) void controller.toggleSlot(state.selectedSlotId);
      else if ((key === 'r' || key === 'R') && state.selectedSlotId) {
        const slot = state.slots.find((x) => x.slotId === state.selectedSlotId);
        if (slot && slotLook(slot, false) === 'noport')
          apply(showNotice, 'error', t('slot.retryNoPort', { slot: slot.number }), Date.now());
        else void controller.retry(state.selectedSlotId);
      } else if (key === 's' || key === 'S') void controller.startAll();
      else if (key === 'x' || key === 'X') void controller.stopAll();
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onKey = (e: KeyboardEvent): void => {
      if (
        e.ctrlKey ||
        e.altKey ||
        e.metaKey ||
        (e.key.startsWith('F') && e.key.length > 1) ||
        e.key === 'Escape' ||
        e.key === 'Tab' ||
        e.key === 'Shift'
      )
        return;
      if (isTyping(document.activeElement)) return;
      // Enter on a focused button is that button's own; Space always starts or stops the selected slot
      if (e.key === 'Enter' && document.activeElement instanceof HTMLButtonElement && wedge.current.buffer.length === 0) return;
      if (e.key === ' ' || e.key.startsWith('Arrow')) e.preventDefault();
      // the time the key was pressed, not the time we got to it: a busy screen must not split a scan
      const r = feedWedge(wedge.current, e.key, e.timeStamp);
      wedge.current = r.state;
      r.out.forEach(act);
      clearTimeout(timer);
      timer = setTimeout(() => {
        const s = settleWedge(wedge.current, performance.now());
        wedge.current = s.state;
        s.out.forEach(act);
      }, WEDGE_GAP_MS + 10);
    };
    // a focused button would click on Space's key-up: Space is the selected slot's
    const onKeyUp = (e: KeyboardEvent): void => {
      if (e.key === ' ' && !isTyping(document.activeElement)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKeyUp);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onKeyUp);
      clearTimeout(timer);
    };
  }, [apply, controller, t]);

  return (
    <main>
      {signedOn ? null : <SignOn />}
      <section className="panel" aria-labelledby="group-title">
        <div className="row">
          <h2 id="group-title" className="grow">
            {t('operator.pickGroup')}
          </h2>
          <div className="tabs" role="radiogroup" aria-label={t('operator.scope')}>
            <button role="radio" aria-checked={scope === 'all'} onClick={() => setScope('all')} data-testid="scope-all">
              {t('operator.scopeAll')}
            </button>
            <button
              role="radio"
              aria-checked={scope === 'slot'}
              onClick={() => setScope('slot')}
              disabled={selectedSlot === null}
              data-testid="scope-slot"
            >
              {t('operator.scopeSlot', { n: selectedSlot?.number ?? '' })}
            </button>
          </div>
        </div>
        {groups.length === 0 ? (
          <p>{t('operator.noGroups')}</p>
        ) : (
          <div className="groups" role="radiogroup" aria-labelledby="group-title">
            {groups.map((g) => (
              <GroupButton
                key={g.id}
                group={g}
                checked={g.id === group?.id}
                disabled={running && scope === 'all'}
                onPick={() => void controller.pickGroup(g.id, scope === 'slot' && selectedSlot ? [selectedSlot.slotId] : undefined)}
              />
            ))}
          </div>
        )}
        {group ? (
          <div className="counts" data-testid="counts">
            <Count kind="left" n={group.counts.left} label={t('operator.left')} />
            <Count kind="burned" n={group.counts.burned} label={t('operator.burned')} />
            <Count kind="suspect" n={group.counts.suspect} label={t('operator.suspect')} />
            {group.counts.rejected > 0 ? <Count kind="rejected" n={group.counts.rejected} label={t('operator.rejected')} /> : null}
            {group.counts.void > 0 ? <Count kind="void" n={group.counts.void} label={t('operator.void')} /> : null}
            <Count kind="failed" n={group.counts.failedAttempts} label={t('operator.failedAttempts')} />
          </div>
        ) : null}
        <div className="row">
          <button
            className="go"
            onClick={() => void controller.startAll()}
            disabled={group === null || group.blocked !== null}
            data-testid="start-all"
          >
            {t('operator.startAll')}
          </button>
          <button className="stop" onClick={() => void controller.stopAll()} disabled={!running} data-testid="stop-all">
            {t('operator.stopAll')}
          </button>
          <span className="keys grow">{t('operator.keys')}</span>
        </div>
      </section>
      {slots.length === 0 ? (
        <p>{t('operator.noSlots')}</p>
      ) : (
        <section className={`tiles${slots.length <= 4 ? ' two' : ''}`} aria-label="slots">
          {slots.map((s) => (
            <SlotTile key={s.slotId} slot={s} selected={s.slotId === selectedSlotId} />
          ))}
        </section>
      )}
    </main>
  );
}

/** Nobody is signed on: the operator scans a badge (the scanner types into the field) or types their operator number. */
function SignOn() {
  const { t } = useTranslation();
  const { controller } = useStation();
  const idle = useStore((s) => s.operator?.signedOff === 'idle');
  const [code, setCode] = useState('');
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (await controller.signOn(code)) setCode('');
  };
  return (
    <form className="panel sign-on" onSubmit={(e) => void submit(e)} aria-labelledby="sign-on-title" data-testid="sign-on-panel">
      <h2 id="sign-on-title">{t('operator.signOnTitle')}</h2>
      <p>{idle ? t('operator.signedOffIdle') : t('operator.signOnText')}</p>
      <div className="row">
        <input
          name="operator-code"
          autoFocus
          autoComplete="off"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          aria-label={t('operator.signOnTitle')}
          data-testid="sign-on-code"
          maxLength={64}
        />
        <button type="submit" className="primary" disabled={code.trim() === ''} data-testid="sign-on">
          {t('operator.signOn')}
        </button>
      </div>
    </form>
  );
}

function Count({ kind, n, label }: { kind: string; n: number; label: string }) {
  return (
    <div className={`count ${kind}`} data-testid={`count-${kind}`}>
      <div className="n">{n}</div>
      <div className="l">{label}</div>
    </div>
  );
}

function GroupButton({
  group,
  checked,
  disabled,
  onPick,
}: {
  group: GroupSummary;
  checked: boolean;
  disabled: boolean;
  onPick: () => void;
}) {
  const { t, i18n } = useTranslation();
  const blocked = group.blocked !== null;
  return (
    <button
      role="radio"
      aria-checked={checked}
      className={`group-btn${blocked ? ' blocked' : ''}`}
      onClick={onPick}
      disabled={blocked || (disabled && !checked)}
      data-testid="group-option"
      data-group-id={group.id}
    >
      <span className="gname">{group.name}</span>
      <span className="muted">
        {productLabel(t, group)} · {t(`owner.${group.owner}`)}
      </span>
      {blocked ? (
        <span className="why">
          <span className={`badge state ${group.state}`}>{t(`state.${group.state}`)}</span> {groupBlockText(t, i18n.language, group)}
        </span>
      ) : (
        <span>
          <strong>{t('operator.usable', { left: group.counts.left })}</strong> / {group.counts.total}
        </span>
      )}
    </button>
  );
}

/** A result's time of day as the Suspects tab shows it (14:03). */
const clockTime = (iso: string, language: string): string =>
  new Date(iso).toLocaleTimeString(language, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

export function SlotTile({ slot, selected }: { slot: SlotState; selected: boolean }) {
  const { t, i18n } = useTranslation();
  const { controller } = useStation();
  const apply = useStore((s) => s.apply);
  const group = useStore((s) => s.groups.find((g) => g.id === slot.groupId) ?? null);
  const r = slot.lastResult;
  const stopped = stopText(t, i18n.language, slot, group);
  const look = slotLook(slot, stopped !== null);
  const phaseText = t(`slot.phase.${look}`);
  const port = portText(t, i18n.language, slot);
  // Retry needs the slot's port: without it the button is off and says why
  const canRetry = look !== 'noport' && look !== 'missing';
  const retry = (
    <button
      className="primary"
      onClick={(e) => {
        e.stopPropagation();
        void controller.retry(slot.slotId);
      }}
      disabled={!canRetry}
      title={canRetry ? undefined : t('slot.retryNoPort', { slot: slot.number })}
      data-testid="retry"
    >
      {t('operator.retry')}
    </button>
  );
  return (
    <article
      className={`tile ${look}${selected ? ' selected' : ''}`}
      data-testid={`slot-${slot.number}`}
      data-phase={slot.phase}
      data-look={look}
      aria-label={t('slot.title', { n: slot.number })}
      aria-current={selected ? 'true' : undefined}
      onClick={() => apply(selectSlotNumber, slot.number)}
    >
      <div className="head">
        <span className="num">{t('slot.title', { n: slot.number })}</span>
        <span className="grow" />
        <span className={`badge ${look}`} data-testid="slot-phase">
          {phaseText}
        </span>
      </div>
      <div className="port">
        {slot.port} · {slot.protocol}
      </div>
      <div className="slot-group" data-testid="slot-group">
        {group === null ? (
          <span className="muted">{t('slot.noGroup')}</span>
        ) : (
          <>
            <strong>{group.name}</strong>{' '}
            <span className="muted">
              · {productLabel(t, group)} · {t('operator.usable', { left: group.counts.left })}
            </span>
          </>
        )}
      </div>
      {!slot.connected ? (
        <div className="result-err" data-testid="slot-port">
          {port ?? t('slot.unplugged')}
        </div>
      ) : null}
      <div className="step" data-testid="slot-step">
        {slot.phase === 'burning' && slot.step ? `${phaseText}: ${t(`slot.step.${slot.step}`)}` : '\u00a0'}
      </div>
      <div
        className={`bar${look === 'done' ? ' done' : ''}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(slot.progress * 100)}
      >
        <div style={{ width: `${Math.round(slot.progress * 100)}%` }} />
      </div>
      <div data-testid="slot-result">
        {r === null ? (
          <span className="muted">{'\u00a0'}</span>
        ) : r.ok ? (
          <span className="result-ok">
            ✔ {t('slot.ok', { uuid: r.uuid, seconds: (r.durationMs / 1000).toFixed(1) })}
            {r.serial ? ` · ${t('operator.serial')} ${r.serial}` : ''}
          </span>
        ) : (
          <div className="row">
            {r.suspect && r.uuid ? (
              // one instruction for a suspect: the cause (which would also say what to do) only on hover
              <span
                className="result-err result-suspect grow"
                data-testid="slot-error"
                title={t(`burnError.${r.code}`, { slot: slot.number })}
              >
                ✖ {t('burnError.suspectAside', { uuid: r.uuid, slot: slot.number, time: clockTime(r.at, i18n.language) })}
              </span>
            ) : (
              <span className="result-err grow" data-testid="slot-error">
                ✖ {t(`burnError.${r.code}`, { slot: slot.number })}
              </span>
            )}
            {retry}
          </div>
        )}
      </div>
      {slot.cannotTell ? (
        <div className="row">
          <span className="result-err grow" data-testid="slot-cannot-tell">
            {t('slot.cannotTell', { slot: slot.number })}
          </span>
          {retry}
        </div>
      ) : null}
      {stopped !== null ? (
        <div className="result-stop" data-testid="slot-stop">
          {stopped}
        </div>
      ) : null}
      <div className="row">
        <span className="serial grow">{slot.pendingSerial ? `${t('operator.serial')}: ${slot.pendingSerial}` : '\u00a0'}</span>
        <span className="muted">{t('slot.burnedShift', { count: slot.burnedThisShift })}</span>
        <button
          className={slot.running ? 'stop small' : 'go small'}
          onClick={(e) => {
            e.stopPropagation();
            void controller.toggleSlot(slot.slotId);
          }}
          disabled={slot.groupId === null}
        >
          {slot.running ? t('operator.stop') : t('operator.start')}
        </button>
      </div>
    </article>
  );
}

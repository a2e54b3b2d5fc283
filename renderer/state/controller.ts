import type { StationApi } from '../../common/api/types';
import type { Result } from '../../common/result';
import type { Language } from '../../common/api/schemas';
import * as A from './actions';
import type { UiState } from './actions';

type Apply = <Args extends unknown[]>(action: (s: UiState, ...args: Args) => UiState, ...args: Args) => void;

/**
 * The effects: each calls the API and applies plain actions with the answer.
 * Failures become a notice in plain words; the value (or null) is returned so
 * a screen can react.
 */
export function createController(api: StationApi, apply: Apply, get: () => UiState, now: () => number = Date.now) {
  const run = async <T>(p: Promise<Result<T>>, success?: string): Promise<T | null> => {
    const r = await p;
    if (!r.ok) {
      apply(A.showError, r.error, now());
      return null;
    }
    if (success !== undefined) apply(A.showNotice, 'success', success, now());
    return r.value;
  };

  const refreshOverview = async (): Promise<void> => {
    const o = await run(api.station.overview());
    if (o) apply(A.applyOverview, o);
    const who = await run(api.station.operator());
    if (who) apply(A.applyOperator, who);
  };

  const refreshVaultGuard = async (): Promise<void> => {
    if (get().setup?.stage !== 'ready') return;
    const r = await api.station.vaultGuard();
    if (r.ok) apply(A.applyVaultGuard, r.value);
  };

  return {
    run,
    refreshOverview,
    refreshVaultGuard,

    async boot(): Promise<void> {
      api.onSlotState((s) => apply(A.applySlotState, s));
      api.onCounts((c) => apply(A.applyCounts, c));
      api.onGroups((g) => apply(A.applyGroups, g));
      api.onSyncStatus((s) => {
        apply(A.applySyncStatus, s);
        // The hub may just have refused this vault's push (it went back): the guard says so.
        void refreshVaultGuard();
      });
      api.onOfflineOutcome((o) => apply(A.applyOutcome, o));
      api.onJobProgress((j) => apply(A.applyJob, j));
      api.onSupervisorSession((s) => apply(A.applySession, s));
      api.onOperator((o) => apply(A.applyOperator, o));
      const setup = await run(api.setup.state());
      if (setup) apply(A.applySetup, setup);
      const sync = await run(api.sync.status());
      if (sync) apply(A.applySyncStatus, sync);
      const outcomes = await run(api.sync.outcomes());
      if (outcomes) for (const o of [...outcomes].reverse()) apply(A.applyOutcome, o);
      if (setup?.stage === 'ready') await refreshOverview();
      await refreshVaultGuard();
    },

    async afterSetup(setup: Parameters<typeof A.applySetup>[1] | null): Promise<void> {
      if (setup === null) return;
      apply(A.applySetup, setup);
      const sync = await run(api.sync.status());
      if (sync) apply(A.applySyncStatus, sync);
      await refreshOverview();
      await refreshVaultGuard();
    },

    async setLanguage(language: Language): Promise<void> {
      const s = await run(api.setup.setLanguage({ language }));
      if (s) apply(A.applySetup, s);
    },

    async pickGroup(groupId: string, slotIds?: string[]): Promise<void> {
      const slots = await run(api.station.selectGroup({ groupId, ...(slotIds ? { slotIds } : {}) }));
      // a refused pick leaves the picker on the group the slots have
      if (slots) {
        apply(A.chooseGroup, groupId);
        apply(A.applySlotStates, slots);
      }
    },

    async signOn(code: string): Promise<boolean> {
      const o = await run(api.station.signOn({ code }));
      if (o) {
        apply(A.applyOperator, o);
        apply(A.clearNotice);
      }
      return o !== null;
    },

    async signOff(): Promise<void> {
      const o = await run(api.station.signOff());
      if (o) apply(A.applyOperator, o);
      await refreshOverview();
    },

    async startAll(): Promise<void> {
      const slots = await run(api.station.start({}));
      if (slots) apply(A.applySlotStates, slots);
    },

    async stopAll(): Promise<void> {
      const slots = await run(api.station.stop({}));
      if (slots) apply(A.applySlotStates, slots);
    },

    async toggleSlot(slotId: string): Promise<void> {
      const slot = get().slots.find((s) => s.slotId === slotId);
      if (!slot) return;
      const slots = await run(slot.running ? api.station.stop({ slotIds: [slotId] }) : api.station.start({ slotIds: [slotId] }));
      if (slots) apply(A.applySlotStates, slots);
    },

    async retry(slotId: string): Promise<void> {
      const slot = await run(api.station.retry({ slotId }));
      if (slot) apply(A.applySlotState, slot);
    },

    async scanSerial(serial: string): Promise<void> {
      const slotId = get().selectedSlotId;
      if (slotId === null) return;
      const slot = await run(api.station.scanSerial({ slotId, serial }));
      if (slot) apply(A.applySlotState, slot);
    },

    async login(pin: string, supervisorId?: string): Promise<boolean> {
      const s = await run(api.supervisor.login({ pin, ...(supervisorId ? { supervisorId } : {}) }));
      if (s) {
        apply(A.applySession, s);
        apply(A.clearNotice);
      }
      return s !== null;
    },

    async logout(): Promise<void> {
      const s = await run(api.supervisor.logout());
      if (s) apply(A.applySession, s);
      apply(A.goTo, 'operator');
    },

    /** A supervisor reconciles a vault that went back with the hub; the counts are shown in the guard's bar. */
    async reconcile(): Promise<void> {
      const r = await run(api.supervisor.reconcile());
      if (r) apply(A.applyReconciled, r);
      await refreshOverview();
    },

    async syncNow(): Promise<void> {
      const r = await api.sync.syncNow();
      if (r.ok) {
        apply(A.applySyncStatus, r.value);
        return;
      }
      // A vault that went back is said by the vault guard's banner, once.
      if (r.error.code === 'STATION_ROLLED_BACK' || r.error.code === 'VAULT_ROLLED_BACK') {
        await refreshVaultGuard();
        return;
      }
      apply(A.showError, r.error, now());
    },
  };
}

export type Controller = ReturnType<typeof createController>;

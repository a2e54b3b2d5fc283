import type {
  GroupCounts,
  GroupSummary,
  JobProgress,
  Language,
  OfflineOutcome,
  OperatorSession,
  OutcomeTexts,
  ReconcileResult,
  SetupState,
  SlotState,
  SupervisorSession,
  SyncStatus,
  VaultGuard,
} from '../../common/api/schemas';
import type { ErrorInfo } from '../../common/errors';

/**
 * The UI state and the plain functions that change it (STYLE.md "UI state is
 * plain functions"): each takes the state and an input and returns the new
 * state. The store (store.ts) only applies them; tests call them directly.
 */
export type Screen = 'loading' | 'setup' | 'unlock' | 'operator' | 'supervisor' | 'dashboard';
export type Notice = { kind: 'error' | 'info' | 'success'; code: string | null; text: string; at: number };

export interface UiState {
  screen: Screen;
  connected: boolean;
  language: Language;
  setup: SetupState | null;
  groups: GroupSummary[];
  slots: SlotState[];
  selectedGroupId: string | null;
  /** The slot the keyboard acts on (and the scanner fills). */
  selectedSlotId: string | null;
  sync: SyncStatus | null;
  outcomes: OfflineOutcome[];
  session: SupervisorSession | null;
  /** Who is signed on at the station (the header shows them; nobody: the operator screen asks for a badge or number). */
  operator: OperatorSession | null;
  jobs: JobProgress[];
  notice: Notice | null;
  /** Whether the vault went back (then nothing is offered until a supervisor reconciles with the hub). */
  vaultGuard: VaultGuard | null;
  /** What the last reconcile with the hub did, shown until the vault guard is read again as ok and dismissed. */
  reconciled: ReconcileResult | null;
  /** The dashboard's colour of each protocol's own outcome code (station.outcomeTexts). */
  outcomeColours: Record<string, string>;
}

export const initialState: UiState = {
  screen: 'loading',
  connected: true,
  language: 'en',
  setup: null,
  groups: [],
  slots: [],
  selectedGroupId: null,
  selectedSlotId: null,
  sync: null,
  outcomes: [],
  session: null,
  operator: null,
  jobs: [],
  notice: null,
  vaultGuard: null,
  reconciled: null,
  outcomeColours: {},
};

export function applyOutcomeTexts(state: UiState, texts: OutcomeTexts): UiState {
  return { ...state, outcomeColours: Object.fromEntries(texts.outcomes.map((o) => [o.code, o.colour])) };
}

const bySlotNumber = (a: SlotState, b: SlotState): number => a.number - b.number;

export function applySetup(state: UiState, setup: SetupState): UiState {
  const screen: Screen =
    setup.stage === 'new'
      ? 'setup'
      : setup.stage === 'locked'
        ? 'unlock'
        : state.screen === 'loading' || state.screen === 'setup' || state.screen === 'unlock'
          ? 'operator'
          : state.screen;
  return { ...state, setup, language: setup.language, screen };
}

export function applyOverview(state: UiState, overview: { groups: GroupSummary[]; slots: SlotState[] }): UiState {
  const slots = [...overview.slots].sort(bySlotNumber);
  const selectedSlotId = slots.some((s) => s.slotId === state.selectedSlotId) ? state.selectedSlotId : (slots[0]?.slotId ?? null);
  // The group the slots burn from is the one shown; else keep the pick if it still exists.
  const bound = slots.find((s) => s.groupId !== null)?.groupId ?? null;
  const keep = overview.groups.some((g) => g.id === state.selectedGroupId) ? state.selectedGroupId : null;
  return { ...state, groups: overview.groups, slots, selectedSlotId, selectedGroupId: bound ?? keep };
}

export function applyGroups(state: UiState, groups: GroupSummary[]): UiState {
  return { ...state, groups, selectedGroupId: groups.some((g) => g.id === state.selectedGroupId) ? state.selectedGroupId : null };
}

export function applySlotState(state: UiState, slot: SlotState): UiState {
  const exists = state.slots.some((s) => s.slotId === slot.slotId);
  const slots = exists ? state.slots.map((s) => (s.slotId === slot.slotId ? slot : s)) : [...state.slots, slot].sort(bySlotNumber);
  return { ...state, slots, selectedSlotId: state.selectedSlotId ?? slot.slotId };
}

export function applySlotStates(state: UiState, slots: SlotState[]): UiState {
  return slots.reduce(applySlotState, state);
}

export function applyCounts(state: UiState, counts: GroupCounts): UiState {
  return { ...state, groups: state.groups.map((g) => (g.id === counts.groupId ? { ...g, counts } : g)) };
}

export function applySyncStatus(state: UiState, sync: SyncStatus): UiState {
  return { ...state, sync };
}

export function applyOutcome(state: UiState, outcome: OfflineOutcome): UiState {
  return { ...state, outcomes: [outcome, ...state.outcomes.filter((o) => o.id !== outcome.id)].slice(0, 50) };
}

export function applyJob(state: UiState, job: JobProgress): UiState {
  return { ...state, jobs: [job, ...state.jobs.filter((j) => j.jobId !== job.jobId)].slice(0, 20) };
}

export function applySession(state: UiState, session: SupervisorSession): UiState {
  // a session that ends while the console is open sends the supervisor back to the PIN prompt, not to the operator screen
  return { ...state, session };
}

export function applyOperator(state: UiState, operator: OperatorSession): UiState {
  return { ...state, operator };
}

export function chooseGroup(state: UiState, groupId: string | null): UiState {
  return { ...state, selectedGroupId: groupId };
}

export function goTo(state: UiState, screen: Screen): UiState {
  if (state.setup?.stage !== 'ready' && (screen === 'operator' || screen === 'supervisor' || screen === 'dashboard')) return state;
  return { ...state, screen };
}

/** Selects slot `n` (1-based, as printed on the jig); out-of-range numbers change nothing. */
export function selectSlotNumber(state: UiState, n: number): UiState {
  const slot = state.slots.find((s) => s.number === n);
  return slot === undefined ? state : { ...state, selectedSlotId: slot.slotId };
}

/** Moves the slot selection by `delta`, wrapping round. */
export function moveSlotSelection(state: UiState, delta: number): UiState {
  if (state.slots.length === 0) return state;
  const i = Math.max(
    0,
    state.slots.findIndex((s) => s.slotId === state.selectedSlotId),
  );
  const next = state.slots[(i + delta + state.slots.length) % state.slots.length]!;
  return { ...state, selectedSlotId: next.slotId };
}

export function showError(state: UiState, error: ErrorInfo, at: number): UiState {
  return { ...state, notice: { kind: 'error', code: error.code, text: error.message, at } };
}

export function showNotice(state: UiState, kind: Notice['kind'], text: string, at: number): UiState {
  return { ...state, notice: { kind, code: null, text, at } };
}

export function clearNotice(state: UiState): UiState {
  return { ...state, notice: null };
}

export function setConnected(state: UiState, connected: boolean): UiState {
  return { ...state, connected };
}

// ---- selectors (components read state only through these) ----

export const selectSelectedGroup = (s: UiState): GroupSummary | null => s.groups.find((g) => g.id === s.selectedGroupId) ?? null;
export const selectSelectedSlot = (s: UiState): SlotState | null => s.slots.find((x) => x.slotId === s.selectedSlotId) ?? null;
export const selectAnyRunning = (s: UiState): boolean => s.slots.some((x) => x.running);
export const selectSignedOn = (s: UiState): boolean => s.operator?.operator != null;
/** Usable groups first, then blocked ones (shown with their reason). */
export const selectGroupsForPicker = (s: UiState): GroupSummary[] =>
  [...s.groups].sort((a, b) => Number(a.blocked !== null) - Number(b.blocked !== null) || a.name.localeCompare(b.name));
export const selectPendingOutcomes = (s: UiState): number => s.outcomes.filter((o) => o.status === 'pending').length;
export const selectRejectedOutcomes = (s: UiState): OfflineOutcome[] => s.outcomes.filter((o) => o.status === 'rejected');

export function applyVaultGuard(state: UiState, vaultGuard: VaultGuard): UiState {
  return { ...state, vaultGuard };
}

/** A reconcile ended: the vault is current again, and its counts are shown. */
export function applyReconciled(state: UiState, reconciled: ReconcileResult): UiState {
  return { ...state, reconciled, vaultGuard: { state: 'ok' } };
}

export function dismissReconciled(state: UiState): UiState {
  return { ...state, reconciled: null };
}

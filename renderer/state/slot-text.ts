import type { CredentialState, GroupSummary, SlotState } from '../../common/api/schemas';

type T = (key: string, options?: Record<string, unknown>) => string;

/** Hub states that block a group for a reason the dictionaries name (main/sync's blockReason gives the same causes in English). */
const blockingStates: ReadonlySet<CredentialState> = new Set<CredentialState>(['confirming_update', 'being_paid', 'list_generated']);

/** A reason written as a sentence, fitted after a colon ("…is blocked: <reason>. Pick…"). */
const clause = (s: string): string => s.trim().replace(/[.。\s]+$/, '');

/**
 * Why a slot stopped by itself, in the screen's language. A blocked group names
 * the group and its cause: translated when the hub state gives it, else in the
 * words the station was given (a supervisor's reason is shown as typed).
 */
export function stopText(t: T, language: string, slot: SlotState, group: GroupSummary | null): string | null {
  const r = slot.stopReason;
  if (r === null) return null;
  if (r.code !== 'GROUP_BLOCKED') return t(`burnError.${r.code}`, { slot: slot.number });
  if (group === null) return r.message;
  if (blockingStates.has(group.state)) return t('slot.groupBlocked', { group: group.name, reason: t(`blockReason.${group.state}`) });
  // main's own sentence says it best in English; another language keeps the reason as given
  return language === 'en' ? r.message : t('slot.groupBlocked', { group: group.name, reason: clause(group.blocked?.message ?? r.message) });
}

/** Why a group cannot be picked, for the group picker: the hub state's cause translated, else the station's words (or the code's translation). */
export function groupBlockText(t: T, language: string, group: GroupSummary): string | null {
  if (group.blocked === null) return null;
  if (language === 'en') return group.blocked.message;
  if (blockingStates.has(group.state)) return t(`blockReason.${group.state}`);
  return t(`errors.${group.blocked.code}`, { defaultValue: group.blocked.message });
}

/** Why the slot's port cannot be opened (it keeps trying), in the screen's language; null when there is no port problem. */
export function portText(t: T, language: string, slot: SlotState): string | null {
  if (slot.programmerMissing) return t('slot.programmerMissing', { slot: slot.number, programmer: slot.programmer ?? '' });
  if (slot.portProblem === null) return null;
  // main's words carry the system's own detail (e.g. "No such file or directory"); a translation says what to do
  return language === 'en' ? slot.portProblem : t('slot.portProblem', { slot: slot.number });
}

/** A group's product: the hub's product name, or "Imported licenses" (translated) for a list imported from a file. */
export function productLabel(t: T, group: Pick<GroupSummary, 'pid' | 'productName'>): string {
  return group.pid === 'unknown' ? t('group.imported') : group.productName;
}

/** What the tile's badge shows: a slot without its programmer or port never shows Done; a slot that stopped by itself says Stopped, not Idle. */
export type SlotLook = SlotState['phase'] | 'stopped' | 'noport' | 'missing';
export function slotLook(slot: SlotState, stoppedByItself: boolean): SlotLook {
  if (slot.programmerMissing) return 'missing';
  if (!slot.running && !slot.connected) return 'noport';
  if (slot.portProblem !== null) return 'noport';
  if (stoppedByItself && !slot.running && slot.phase === 'idle') return 'stopped';
  return slot.phase;
}

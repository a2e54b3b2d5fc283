import type { ModuleIdentity } from '../../native/protocols/types';

/**
 * When may a slot burn the module in its jig? The rule that keeps a slot from
 * burning the same module twice (docs/station.md "Swap detection"):
 *
 * - `fresh`: on start and after Retry, the first module that answers is burned.
 * - `holds`: after a verified burn of license U (or a module set aside because
 *   it already holds U), the slot reads what the module in the jig holds and
 *   waits for one that does NOT hold U: a blank one or one with another
 *   license. The module it just burned carries U in flash, so it is never
 *   taken for a new one, however fast the swap and even if it is taken out and
 *   put back. A module that cannot be read is burned only after the jig was
 *   seen empty (and the burn's own check refuses a module that holds a license).
 *   A read of what the module holds that goes unanswered counts as the jig
 *   being silent for as long as it waited: the module may have been taken out
 *   between its answer to the presence check and the read, and a module put
 *   in meanwhile never heard the read. Without that, a swap that falls inside
 *   the read, to a module that answers the presence check but not the read,
 *   is never seen (the slot sat at Done: issue 10). A module that keeps
 *   answering but cannot be read, with no silence seen, leaves the slot unable
 *   to tell: after `unsureMs` of that the slot says so on its tile
 *   (`cannotTell`) and waits for Retry or a removal; it never burns it unasked.
 * - `removal`: after a failure the module is usually blank (nothing was sent)
 *   or its content is unknown (suspect), so its flash cannot tell it from the
 *   next one. The slot waits until the jig was seen empty for `removalMs`
 *   (the module was taken out) and a module answers again, or for Retry.
 *   The silence counts from when the unanswered look began (`silentMs`): one
 *   look left unanswered for its whole wait (250 ms) is a removal, so a
 *   module swapped in 200 ms after a failure is burned at once. A look that
 *   missed an answer from the same module can count as a removal too; that
 *   is harmless, because after a failure the module holds nothing of the
 *   license or, if it does, the burn's own check refuses a module that holds one.
 */
export type SwapGuard =
  | { kind: 'fresh' }
  | {
      kind: 'holds';
      uuid: string;
      absentSince: number | null;
      removed: boolean;
      /** Since when a module has answered every look without letting its content be read (no silence between). */
      unreadSince: number | null;
    }
  | { kind: 'removal'; absentSince: number | null; removed: boolean };

/**
 * One look at the jig: nothing answers, or a module answers (with what it holds, when read). `silentMs`: how long
 * the jig stayed silent at the end of the look, a whole unanswered presence check, or the read of what a module
 * holds left unanswered after the module answered the presence check (it may have been taken out in between).
 */
export type JigProbe = { present: false; silentMs?: number } | { present: true; identity: ModuleIdentity | null; silentMs?: number };

export const freshGuard = (): SwapGuard => ({ kind: 'fresh' });
export const holdsGuard = (uuid: string): SwapGuard => ({ kind: 'holds', uuid, absentSince: null, removed: false, unreadSince: null });
export const removalGuard = (): SwapGuard => ({ kind: 'removal', absentSince: null, removed: false });

/** Whether a probe must read the module's identity (only the `holds` rule needs it). */
export const needsIdentity = (guard: SwapGuard): boolean => guard.kind === 'holds';

/**
 * Whether the slot cannot tell, by itself, the module in its jig from the one it just burned: it has answered
 * every look for `unsureMs` without letting its content be read, and the jig was not seen empty. The tile says so.
 */
export const cannotTell = (guard: SwapGuard, now: number, unsureMs: number): boolean =>
  guard.kind === 'holds' && guard.unreadSince !== null && now - guard.unreadSince >= unsureMs;

/** Feeds one probe into the guard: the next guard, and whether the module present now may be burned. */
export function nextGuard(guard: SwapGuard, probe: JigProbe, now: number, removalMs: number): { guard: SwapGuard; burn: boolean } {
  if (guard.kind === 'fresh') return { guard, burn: probe.present };
  // A module that cannot be read keeps `unreadSince`; anything else ends it.
  if (guard.kind === 'holds' && guard.unreadSince !== null && (!probe.present || probe.identity !== null || probe.silentMs))
    guard = { ...guard, unreadSince: null };
  if (!probe.present) {
    const absentSince = guard.absentSince ?? now - (probe.silentMs ?? 0);
    return { guard: { ...guard, absentSince, removed: guard.removed || now - absentSince >= removalMs }, burn: false };
  }
  if (guard.kind === 'holds' && probe.identity !== null) {
    if (probe.identity.uuid !== guard.uuid) return { guard, burn: true };
    // The module that holds the license is (back) in the jig: whatever happened before does not count.
    return { guard: { ...guard, absentSince: null, removed: false }, burn: false };
  }
  if (guard.removed) return { guard, burn: true };
  // A module answered, so the jig was not empty before; a read it then left unanswered is a silence of its own,
  // which the next look continues or, if long enough, counts as a removal (the module that answers next decides).
  const silentMs = probe.silentMs ?? 0;
  if (silentMs > 0) return { guard: { ...guard, absentSince: now - silentMs, removed: silentMs >= removalMs }, burn: false };
  if (guard.kind === 'holds') return { guard: { ...guard, absentSince: null, unreadSince: guard.unreadSince ?? now }, burn: false };
  return { guard: { ...guard, absentSince: null }, burn: false };
}

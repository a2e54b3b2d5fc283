import type { ModuleIdentity } from '../../native/protocols/types';

/**
 * When may a slot burn the module in its jig? The rule that keeps a slot from
 * burning the same module twice (docs/station.md "Swap detection"):
 *
 * - `fresh`: on start and after Retry, the first module that answers is burned.
 * - `holds`: after a verified burn of license U (or a module set aside because
 *   it already holds U), the slot waits for a module that does NOT hold U: a
 *   blank one or one with another license. The module it just burned carries U
 *   in flash, so it can never be taken for a new one, however quickly the
 *   operator swaps, and whether or not the jig was seen empty in between.
 * - `removal`: after a failure the module is usually blank (nothing was sent)
 *   or its content is unknown (suspect), so its flash cannot tell it from the
 *   next one. The slot waits until the jig was seen empty for `removalMs`
 *   (the module was taken out) and a module answers again, or for Retry.
 */
export type SwapGuard =
  | { kind: 'fresh' }
  | { kind: 'holds'; uuid: string }
  | { kind: 'removal'; absentSince: number | null; removed: boolean };

/** One look at the jig: nothing answers, or a module answers (with what it holds, when read). */
export type JigProbe = { present: false } | { present: true; identity: ModuleIdentity | null };

export const freshGuard = (): SwapGuard => ({ kind: 'fresh' });
export const holdsGuard = (uuid: string): SwapGuard => ({ kind: 'holds', uuid });
export const removalGuard = (): SwapGuard => ({ kind: 'removal', absentSince: null, removed: false });

/** Whether a probe must read the module's identity (only the `holds` rule needs it). */
export const needsIdentity = (guard: SwapGuard): boolean => guard.kind === 'holds';

/** Feeds one probe into the guard: the next guard, and whether the module present now may be burned. */
export function nextGuard(guard: SwapGuard, probe: JigProbe, now: number, removalMs: number): { guard: SwapGuard; burn: boolean } {
  switch (guard.kind) {
    case 'fresh':
      return { guard, burn: probe.present };
    case 'holds':
      // An unreadable module is not proof of a new one: keep waiting.
      if (!probe.present || probe.identity === null) return { guard, burn: false };
      return { guard, burn: probe.identity.uuid !== guard.uuid };
    case 'removal': {
      if (!probe.present) {
        const absentSince = guard.absentSince ?? now;
        return { guard: { kind: 'removal', absentSince, removed: guard.removed || now - absentSince >= removalMs }, burn: false };
      }
      if (guard.removed) return { guard, burn: true };
      return { guard: { kind: 'removal', absentSince: null, removed: false }, burn: false };
    }
  }
}

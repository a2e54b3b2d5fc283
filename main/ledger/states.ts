import { AppError } from '../../common/errors';
import type { LicenseState } from '../../common/license';

/**
 * The license state machine of ARCHITECTURE.md "License", as data:
 *
 *   available -> reserved -> sending -> written -> verified -> reported
 *                   |                     |
 *          released | rejected      suspect (outcome unknown) -> verified | released | void
 *
 * `rejected`: refused before any byte was sent because the license cannot go
 * into these modules (uuid length, a PID the group lacks): set aside for good.
 * A suspect is `released` only when its own module was read back holding nothing.
 * `reconcile-*`: a vault found behind its last known state (an older copy, a
 * lost WAL) takes the hub's word for licenses it offers that the hub holds as
 * burned (-> reported), spoiled (-> void) or rejected.
 */
export const ledgerActions = {
  reserve: { from: ['available'], to: 'reserved' },
  release: { from: ['reserved'], to: 'available' },
  reject: { from: ['reserved'], to: 'rejected' },
  send: { from: ['reserved'], to: 'sending' },
  written: { from: ['sending'], to: 'written' },
  verify: { from: ['written'], to: 'verified' },
  suspect: { from: ['sending', 'written'], to: 'suspect' },
  'resolve-verified': { from: ['suspect'], to: 'verified' },
  'resolve-released': { from: ['suspect'], to: 'available' },
  void: { from: ['suspect'], to: 'void' },
  report: { from: ['verified'], to: 'reported' },
  'recover-release': { from: ['reserved'], to: 'available' },
  'recover-suspect': { from: ['sending', 'written'], to: 'suspect' },
  // A vault behind its last known state, put right with the hub's word on what it holds.
  'reconcile-burned': { from: ['available', 'reserved'], to: 'reported' },
  'reconcile-spoiled': { from: ['available', 'reserved'], to: 'void' },
  'reconcile-rejected': { from: ['available', 'reserved'], to: 'rejected' },
} as const satisfies Record<string, { from: readonly LicenseState[]; to: LicenseState }>;

export type LedgerAction = keyof typeof ledgerActions;

/** States in which bytes of the license may have reached a module: it is never handed out again. */
export const exposedStates: readonly LicenseState[] = ['sending', 'written', 'verified', 'reported', 'suspect', 'void'];

/** The state `action` leads to from `from`, or an ILLEGAL_TRANSITION that says why not. */
export function nextState(action: LedgerAction, from: LicenseState, uuid: string): LicenseState {
  const rule = ledgerActions[action];
  if ((rule.from as readonly LicenseState[]).includes(from)) return rule.to;
  throw new AppError('ILLEGAL_TRANSITION', refusal(action, from, uuid), { uuid, action, from, allowedFrom: [...rule.from] });
}

function refusal(action: LedgerAction, from: LicenseState, uuid: string): string {
  if (action === 'reserve' && (from === 'verified' || from === 'reported'))
    return `License ${uuid} is already burned into a module (${from}); it can never be reserved again.`;
  if (action === 'reserve' && exposedStates.includes(from))
    return `License ${uuid} is ${from}: it may be in a module already, so it can never be reserved again.`;
  if (action === 'release' && exposedStates.includes(from)) {
    return `License ${uuid} is ${from}: bytes of it were sent to a module, so it can never be released. Mark it suspect and resolve it by reading the module back.`;
  }
  if (action === 'void' && from === 'rejected')
    return `License ${uuid} is rejected: nothing of it was sent, and it stays set aside with its reason; there is nothing to void.`;
  if (action === 'void' && from !== 'suspect') return `License ${uuid} is ${from}; only a suspect license can be voided.`;
  return `License ${uuid} is ${from}; "${action}" is allowed only from ${ledgerActions[action].from.join(' or ')}.`;
}

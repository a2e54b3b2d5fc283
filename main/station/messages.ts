import { outcomeMessages } from '../../native/protocols';
import type { BurnFailureCode, LicenseRejection, OutcomeCode } from '../../native/protocols/types';

/** Codes the station itself has words for: every driver's failure codes plus what can go wrong around a burn. */
export type StationFailureCode =
  | BurnFailureCode
  | 'NO_LICENSE_LEFT'
  | 'GROUP_BLOCKED'
  | 'LICENSE_DAMAGED'
  | 'LICENSES_REJECTED'
  | 'VAULT_BEHIND'
  | 'VAULT_DAMAGED'
  | 'DISK_FULL'
  | 'PORT_ERROR'
  | 'INTERNAL';

/** Codes a slot shows: the station's, and a protocol's own (their words are in its folder's messages.ts). */
export type SlotFailureCode = StationFailureCode | OutcomeCode;

/**
 * What the operator reads on the slot, in plain words: what happened, what became of the license,
 * and one thing to do. `license` is what happened to the license: nothing of it left the station
 * (released), it may be in the module (suspect: the one thing to do is then to put the module aside
 * for a supervisor, whatever went wrong), or none was used.
 */
export function failureMessage(
  code: SlotFailureCode,
  slot: number,
  context: {
    license?: 'released' | 'suspect' | 'none';
    uuid?: string | null;
    heldUuid?: string | null;
    detail?: string;
    group?: string;
  } = {},
): string {
  const where = `slot ${slot}`;
  // [what happened, the one instruction]; a whole sentence where the instruction is part of it
  const said: Record<StationFailureCode, [string, string] | string> = {
    TIMEOUT: [`No answer from the module on ${where}.`, 'Check that it sits in the jig and is powered, then press Retry.'],
    CHECKSUM: [`The module on ${where} sent a damaged answer.`, 'Check the programmer cable, then press Retry.'],
    REFUSED: [`The module on ${where} refused the license.`, 'Put it aside.'],
    ALREADY_AUTHORIZED: [
      `The module on ${where} already holds license ${context.heldUuid ?? '(unknown)'}; no license was used.`,
      'Put it aside for a supervisor.',
    ],
    VERIFY_MISMATCH: [`The module on ${where} reads back something other than what was written.`, 'Put it aside for a supervisor.'],
    DISCONNECTED: [
      `The programmer or module on ${where} was disconnected during the burn.`,
      'Check the cable and that the module is seated, then press Retry.',
    ],
    INVALID_LICENSE: [
      `The next license of this group cannot be burned over this protocol on ${where}${context.detail ? ` (${context.detail})` : ''}.`,
      "Ask a supervisor to check the group's license list.",
    ],
    CANCELED: `The burn on ${where} was stopped.`,
    DRIVER_INTERNAL: [
      `The station hit an internal error while burning on ${where}${context.detail ? ` (${context.detail})` : ''}.`,
      'Call a supervisor.',
    ],
    NO_LICENSE_LEFT: `The group has no license left for ${where}: import more licenses or pick another group.`,
    // The group-level reason (rejectionStop) says it all; this is only its fallback.
    LICENSES_REJECTED: `The modules on ${where} refuse this group's licenses${context.detail ? ` (${context.detail})` : ''}: pick another group.`,
    GROUP_BLOCKED: `${context.group ? `Group ${context.group}` : `The group of ${where}`} is blocked${context.detail ? `: ${asClause(context.detail)}` : ''}. Pick another group or ask a supervisor.`,
    LICENSE_DAMAGED: `License ${context.uuid ?? ''} of ${context.group ? `group ${context.group}` : `the group of ${where}`} fails its integrity check in the vault (the vault file was altered or damaged), so ${where} stopped before sending anything. Burn from another group and call a supervisor to check the vault.`,
    // The vault's own sentence says what to do.
    VAULT_BEHIND:
      context.detail ??
      `The vault is older than its last known state, so ${where} burns nothing: restore the newest copy, or reconcile with the hub.`,
    VAULT_DAMAGED: context.detail ?? `The vault file is damaged, so ${where} burns nothing: restore the newest backup of the vault.`,
    DISK_FULL: `The disk is full: set module ${slot} aside for a supervisor; burning stops until space is freed.`,
    // The transport's own sentence already says what to do ("Port … does not exist. Check that the programmer is plugged in.")
    PORT_ERROR: context.detail
      ? `The port of ${where} cannot be opened: ${asClause(context.detail)}. The slot keeps trying.`
      : `The port of ${where} cannot be opened: check that the programmer is plugged in; the slot keeps trying.`,
    INTERNAL: [
      `Something unexpected went wrong on ${where}${context.detail ? ` (${context.detail})` : ''}.`,
      'Press Retry; if it happens again, call a supervisor.',
    ],
  };
  // A code of the protocol's own has its words in its folder; one no registered protocol declares is a fault of the driver.
  const entry = Object.hasOwn(said, code) ? said[code as StationFailureCode] : (protocolSaid(code, slot) ?? said.DRIVER_INTERNAL);
  if (typeof entry === 'string') return entry;
  const [what, todo] = entry;
  if (context.license === 'suspect') {
    return `${what} License ${context.uuid ?? ''} may be in this module: it is held as suspect until a supervisor reads the module back. Put the module aside for a supervisor.`;
  }
  const released =
    context.license === 'released' && code !== 'ALREADY_AUTHORIZED'
      ? ` Nothing was written; license ${context.uuid ?? ''} went back to the group.`
      : '';
  return `${what}${released} ${todo}`;
}

/** A protocol's own code in the words of its folder (native/protocols/<name>/messages.ts), or undefined. */
function protocolSaid(code: string, slot: number): [string, string] | undefined {
  const own = outcomeMessages(code)?.station;
  const fill = (text: string) => text.replaceAll('{{slot}}', String(slot));
  return own && [fill(own.what), fill(own.todo)];
}

/** After a burn, the module in the jig answers but cannot be read and was never seen leaving (SlotSnapshot.cannotTell). */
export function cannotTellMessage(slot: number): string {
  return `Slot ${slot} cannot read the module in its jig, so it cannot tell it from the one it just burned: if it is a new module, press Retry.`;
}

/** A slot whose programmer is not plugged in (its tile's "Programmer missing"): it opens nothing and burns nothing until it is back. */
export function programmerMissingMessage(slot: number, programmer: string): string {
  return `Programmer missing: the programmer of slot ${slot} (${programmer}) is not plugged in. Plug it back in; slot ${slot} burns nothing until then.`;
}

/** A block reason is a sentence of its own ("A product change is under review on the hub."): fit it after a colon. */
function asClause(reason: string): string {
  const r = reason.trim().replace(/[.\s]+$/, '');
  return /^[A-Z](?![A-Z])/.test(r) ? r[0]!.toLowerCase() + r.slice(1) : r;
}

/**
 * The same for every license refused for the same cause: the driver's typed rejection (a uuid length is
 * part of it, as a group may mix lengths); a driver that did not type it, by its message without the uuid.
 */
export function rejectionKey(rejection: LicenseRejection | null, uuid: string, message: string): string {
  if (rejection === 'uuid') return `uuid-${uuid.length}`;
  return rejection ?? `other:${message.split(uuid).join('<uuid>')}`;
}

/** The group-level reason a slot stops with after `count` licenses in a row were refused for the same cause. */
export function rejectionStop(
  rejection: LicenseRejection | null,
  context: { slot: number; group: string; count: number; uuidLength: number; detail: string },
): string {
  const { group, count, slot } = context;
  switch (rejection) {
    case 'pid-missing':
      return `Group ${group} has no PID but these modules ask for one: a supervisor can set the group's PID.`;
    case 'pid':
      return `Group ${group} has a PID these modules cannot take (too long, or with spaces or quotes): a supervisor can set the group's PID.`;
    case 'uuid':
      return `The licenses of group ${group} have ${context.uuidLength}-character uuids, which the modules on slot ${slot} cannot take: pick a group made for these modules.`;
    case 'mac-missing':
      return `The licenses of group ${group} carry no MAC, which the modules on slot ${slot} need: pick a group whose license list has MACs.`;
    case 'mac':
      return `The licenses of group ${group} carry MACs that are not 12 hexadecimal digits, which the modules on slot ${slot} cannot take: pick another group.`;
    case 'authkey':
      return `The licenses of group ${group} have authkeys the modules on slot ${slot} cannot take (32 plain characters): pick another group.`;
    case null:
      return `The modules on slot ${slot} refused ${count} licenses of group ${group} in a row (${asClause(context.detail)}): pick another group.`;
  }
}

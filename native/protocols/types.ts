import type { ErrorInfo } from '../../common/errors';
import type { ProtocolId } from '../../common/protocols';
import type { PersonalityModule } from '../sim/types';
import type { Transport } from '../transport/types';

export { protocolIds, type ProtocolId } from '../../common/protocols';

/** What a burn writes. `mac` is required by tuya-auc, `pid` when the module asks for it. */
export interface LicenseToBurn {
  uuid: string;
  authkey: string;
  mac?: string | undefined;
  pid?: string | undefined;
}

/** What a module holds, as read back from it. Empty fields are null. */
export interface ModuleIdentity {
  uuid: string | null;
  authkey: string | null;
  mac: string | null;
  firmware?: { name: string; version: string } | undefined;
}

/**
 * The failure codes every driver uses (issue 2). `DRIVER_INTERNAL` is a failure
 * the driver does not recognise (a fault in the station itself, never a guess
 * such as DISCONNECTED). A protocol may add codes of its own (tuyaopen-cli's
 * firmware refusals MAC_UNREADABLE and OTP_UNSUPPORTED): each with its
 * operator texts in its folder's messages.ts, carried by its descriptor.
 */
export const burnFailureCodes = [
  'TIMEOUT',
  'CHECKSUM',
  'REFUSED',
  'ALREADY_AUTHORIZED',
  'VERIFY_MISMATCH',
  'DISCONNECTED',
  'INVALID_LICENSE',
  'CANCELED',
  'DRIVER_INTERNAL',
] as const;
export type BurnFailureCode = (typeof burnFailureCodes)[number];
/** A burn's failure code: one every driver uses, or one of the protocol's own (a key of its descriptor's `messages`). */
export type OutcomeCode = BurnFailureCode | (string & {});

/** The words of a protocol's own outcome code on the screen, in one language: `{{slot}}` is the slot's number. */
export interface OutcomeWords {
  /** The slot's sentence: what happened and what to do (the screen's burnError). */
  burnError: string;
  /** Its short name on the supervisor's dashboard. */
  reason: string;
}

/**
 * The operator texts of one of a protocol's own outcome codes (native/protocols/<name>/messages.ts).
 * `station`: main's sentence for the slot (failureMessage), what happened and the one thing to do,
 * `{{slot}}` its number; `screen`: the renderer's words per language, where Simplified Chinese also
 * says the code as an error (English shows main's own message); `colour`: its bars on the dashboard.
 */
export interface OutcomeMessages {
  readonly station: { readonly what: string; readonly todo: string };
  readonly screen: { readonly en: OutcomeWords; readonly 'zh-CN': OutcomeWords & { readonly error: string } };
  readonly colour: string;
}

/** A protocol's own outcome codes (upper case, none of burnFailureCodes) with their texts. */
export type ProtocolMessages = Readonly<Record<string, OutcomeMessages>>;

/**
 * Why a license cannot go into these modules: the `rejection` in INVALID_LICENSE's details, set by every
 * driver. A slot sets such a license aside, and stops when licenses keep being refused for the same cause.
 * `uuid`, `authkey`, `mac`, `pid`: the field has a length or characters these modules cannot take;
 * `mac-missing`, `pid-missing`: the modules need the field and the license (or its group) has none.
 */
export const licenseRejections = ['uuid', 'authkey', 'mac', 'mac-missing', 'pid', 'pid-missing'] as const;
export type LicenseRejection = (typeof licenseRejections)[number];

/** The typed cause of an INVALID_LICENSE failure, or null (another failure, or a driver that did not say). */
export function rejectionOf(error: ErrorInfo): LicenseRejection | null {
  const cause = error.code === 'INVALID_LICENSE' ? error.details?.['rejection'] : undefined;
  return (licenseRejections as readonly unknown[]).includes(cause) ? (cause as LicenseRejection) : null;
}

/**
 * Whether any byte of the write frame left the host: the ledger releases a
 * license only on `nothing-sent`; `sent-outcome-unknown` makes it suspect.
 */
export type WriteExposure = 'nothing-sent' | 'sent-outcome-unknown' | 'verified';

export type BurnStep = 'connect' | 'check' | 'write' | 'verify' | 'finish';

export type BurnOutcome =
  | { ok: true; exposure: 'verified'; module: ModuleIdentity; durationMs: number }
  | {
      ok: false;
      exposure: 'nothing-sent' | 'sent-outcome-unknown';
      step: BurnStep;
      error: ErrorInfo & { code: OutcomeCode };
      module?: ModuleIdentity | undefined;
      durationMs: number;
    };

export interface BurnOptions {
  /** Overwrite a module that already carries a license (a supervisor allowed it). */
  allowReauthorize?: boolean;
  /**
   * Awaited just before the first byte of the write frame leaves: the ledger
   * journals `sending` (fsync) here. If it rejects, the burn stops with nothing sent.
   */
  beforeWrite?: (existing: ModuleIdentity) => Promise<void>;
  onStep?: (step: BurnStep) => void;
  signal?: AbortSignal;
}

/**
 * What the station knows of a protocol, as data: one per folder native/protocols/<name>/descriptor.ts,
 * listed in native/protocols/index.ts; a protocol from elsewhere (a test's) joins with registerProtocol.
 * `P` is the protocol's name: a built-in one is a ProtocolId.
 */
export interface ProtocolDescriptor<P extends string = ProtocolId, Options extends object = object> {
  readonly id: P;
  /** The uuid lengths this protocol's modules take: a group none of whose licenses fit is refused when picked for a slot. */
  readonly uuidLengths: readonly number[];
  createDriver(transport: Transport, options?: Options): ModuleDriver;
  /** The virtual module that speaks it (the simulator's side); every built-in protocol has one. */
  readonly personality?: PersonalityModule | undefined;
  /** The operator texts of the codes its driver adds to burnFailureCodes (its folder's messages.ts). */
  readonly messages?: ProtocolMessages | undefined;
}

export interface ModuleDriver {
  /** The name it was registered under (a ProtocolId for the built-in ones). */
  readonly protocol: string;
  /** True when a module answers on the port within `timeoutMs` (the slot polls this while waiting for a module). */
  detect(options: { timeoutMs: number; signal?: AbortSignal }): Promise<boolean>;
  /** Reads what the module holds (used to check and to resolve suspects). */
  readIdentity(options?: { signal?: AbortSignal }): Promise<ModuleIdentity>;
  /**
   * Reads what the module holds right after `detect` answered, the quickest
   * way the protocol has, leaving the module as it is (a slot's look at the
   * module in its jig after a burn). Without it, the slot uses readIdentity.
   */
  peekIdentity?(options?: { signal?: AbortSignal }): Promise<ModuleIdentity>;
  burn(license: LicenseToBurn, options?: BurnOptions): Promise<BurnOutcome>;
}

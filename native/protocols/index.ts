import { AppError } from '../../common/errors';
import { isProtocolId, protocolIds, type ProtocolId } from '../../common/protocols';
import type { Transport } from '../transport/types';
import { tuyaAuc } from './tuya-auc/descriptor';
import { tuyaopenCli } from './tuyaopen-cli/descriptor';
import type { PersonalityModule } from '../sim/types';
import { isBurnFailureCode } from './failure';
import type { ModuleDriver, OutcomeMessages, ProtocolDescriptor } from './types';

/**
 * The one place that knows each protocol's descriptor (its driver, what its
 * modules take, its virtual module). The built-in ones are keyed by the names
 * in common/protocols.ts: a name without a descriptor, or a descriptor without
 * a personality, does not compile. Slots, the headless burn command and
 * benchmarks create drivers here, and the simulator its modules, by protocol id.
 */
const builtIn = { 'tuya-auc': tuyaAuc, 'tuyaopen-cli': tuyaopenCli } satisfies {
  [P in ProtocolId]: ProtocolDescriptor<P, never> & { personality: PersonalityModule };
};

export type DriverOptionsByProtocol = { [P in ProtocolId]: NonNullable<Parameters<(typeof builtIn)[P]['createDriver']>[1]> };

/**
 * Every protocol the station speaks now, in detection order: the built-in ones
 * (common/protocols.ts's order), then those registered at run time, in the
 * order they were registered. The UI contract names the built-in ones only.
 */
const registry = new Map<string, ProtocolDescriptor<string>>(protocolIds.map((id) => [id, builtIn[id] as ProtocolDescriptor<string>]));

/**
 * Adds a protocol from its folder (its index calls this, or a test does), after
 * the built-in ones in detection order. Registering the same descriptor again
 * changes nothing; another descriptor under a name already taken is refused.
 */
export function registerProtocol(descriptor: ProtocolDescriptor<string, never>): void {
  const taken = registry.get(descriptor.id);
  if (taken === descriptor) return;
  if (taken !== undefined)
    throw new AppError('BAD_ARGUMENT', `A protocol named "${descriptor.id}" is registered already: give the new one another name.`, {
      protocol: descriptor.id,
    });
  if (!/^[a-z0-9][a-z0-9-]*$/.test(descriptor.id))
    throw new AppError('BAD_ARGUMENT', `A protocol's name is lower-case letters, digits and dashes ("${descriptor.id}" is not).`, {
      protocol: descriptor.id,
    });
  for (const code of Object.keys(descriptor.messages ?? {})) checkOwnCode(descriptor.id, code);
  registry.set(descriptor.id, descriptor as ProtocolDescriptor<string>);
}

/** A protocol's own outcome code is upper case and names one outcome only: none every driver uses, none of another protocol. */
function checkOwnCode(protocol: string, code: string): void {
  const taken = isBurnFailureCode(code)
    ? 'every driver'
    : [...registry.values()].find((d) => d.messages && Object.hasOwn(d.messages, code))?.id;
  if (!/^[A-Z][A-Z0-9_]*$/.test(code) || taken !== undefined)
    throw new AppError(
      'BAD_ARGUMENT',
      taken === undefined
        ? `An outcome code is upper-case letters, digits and underscores ("${code}" of ${protocol} is not).`
        : `The outcome code ${code} of ${protocol} is used by ${taken} already: give it another name.`,
      { protocol, code },
    );
}

/** The operator texts of `code` from the folder of the registered protocol whose own code it is; undefined for any other code. */
export function outcomeMessages(code: string): OutcomeMessages | undefined {
  for (const { messages } of registry.values()) if (messages && Object.hasOwn(messages, code)) return messages[code];
  return undefined;
}

/** Every registered protocol's own outcome codes with their texts, in detection order. */
export function protocolOutcomes(): { code: string; messages: OutcomeMessages }[] {
  return [...registry.values()].flatMap((d) => Object.entries(d.messages ?? {}).map(([code, messages]) => ({ code, messages })));
}

/** The names of every protocol the station speaks now, in detection order. */
export function registeredProtocols(): string[] {
  return [...registry.keys()];
}

/** The descriptor of `protocol`; an unknown protocol is an UNKNOWN_PROTOCOL error naming the known ones. */
export function protocolDescriptor<P extends ProtocolId>(protocol: P): ProtocolDescriptor<P>;
export function protocolDescriptor(protocol: string): ProtocolDescriptor<string>;
export function protocolDescriptor(protocol: string): ProtocolDescriptor<string> {
  const descriptor = registry.get(protocol);
  if (descriptor === undefined) {
    throw new AppError('UNKNOWN_PROTOCOL', `Unknown protocol "${protocol}": use one of ${registeredProtocols().join(', ')}.`, { protocol });
  }
  return descriptor;
}

/** A driver for `protocol` over `transport`; an unknown protocol is an UNKNOWN_PROTOCOL error naming the known ones. */
export function createDriver<P extends ProtocolId>(protocol: P, transport: Transport, options?: DriverOptionsByProtocol[P]): ModuleDriver;
export function createDriver(protocol: string, transport: Transport, options?: object): ModuleDriver;
export function createDriver(protocol: string, transport: Transport, options: object = {}): ModuleDriver {
  return protocolDescriptor(protocol).createDriver(transport, options);
}

/** The virtual module of `protocol` (the simulator's side); SIM_PROTOCOL_UNAVAILABLE for a protocol registered without one. */
export function protocolPersonality(protocol: string): PersonalityModule {
  const { personality } = protocolDescriptor(protocol);
  if (!personality)
    throw new AppError(
      'SIM_PROTOCOL_UNAVAILABLE',
      `No virtual module for ${protocol}: give its descriptor a personality when you register it.`,
      { protocol },
    );
  return personality;
}

/**
 * Asks the module on an open `transport`, protocol by protocol in detection
 * order, until one answers within `timeoutMs`; its name, or null when none
 * answers. A protocol whose presence check fails counts as not answering.
 */
export async function detectProtocol(transport: Transport, options: { timeoutMs: number; signal?: AbortSignal }): Promise<string | null> {
  for (const protocol of registeredProtocols()) {
    await transport.flushInput();
    if (
      await createDriver(protocol, transport)
        .detect(options)
        .catch(() => false)
    )
      return protocol;
  }
  return null;
}

export { isProtocolId, protocolIds, type ModuleDriver, type OutcomeMessages, type ProtocolDescriptor, type ProtocolId };

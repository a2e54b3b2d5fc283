import { AppError } from '../../common/errors';
import { isProtocolId, protocolIds, type ProtocolId } from '../../common/protocols';
import type { Transport } from '../transport/types';
import { tuyaAuc } from './tuya-auc/descriptor';
import { tuyaopenCli } from './tuyaopen-cli/descriptor';
import type { ModuleDriver, ProtocolDescriptor } from './types';

/**
 * The one place that knows each protocol's descriptor (its driver and what its
 * modules take), keyed by the names in common/protocols.ts: a name without a
 * descriptor does not compile. Slots, the headless burn command and
 * benchmarks create drivers here, by protocol id.
 */
const descriptors = { 'tuya-auc': tuyaAuc, 'tuyaopen-cli': tuyaopenCli } satisfies { [P in ProtocolId]: ProtocolDescriptor<P, never> };

export type DriverOptionsByProtocol = { [P in ProtocolId]: NonNullable<Parameters<(typeof descriptors)[P]['createDriver']>[1]> };

/** The descriptor of `protocol`; an unknown protocol is an UNKNOWN_PROTOCOL error naming the known ones. */
export function protocolDescriptor(protocol: string): ProtocolDescriptor {
  if (!isProtocolId(protocol)) {
    throw new AppError('UNKNOWN_PROTOCOL', `Unknown protocol "${protocol}": use one of ${protocolIds.join(', ')}.`, { protocol });
  }
  return descriptors[protocol] as ProtocolDescriptor;
}

/** A driver for `protocol` over `transport`; an unknown protocol is an UNKNOWN_PROTOCOL error naming the known ones. */
export function createDriver<P extends ProtocolId>(protocol: P, transport: Transport, options?: DriverOptionsByProtocol[P]): ModuleDriver;
export function createDriver(protocol: string, transport: Transport, options?: object): ModuleDriver;
export function createDriver(protocol: string, transport: Transport, options: object = {}): ModuleDriver {
  return protocolDescriptor(protocol).createDriver(transport, options);
}

export { isProtocolId, protocolIds, type ModuleDriver, type ProtocolDescriptor, type ProtocolId };

import { AppError } from '../../common/errors';
import type { Transport } from '../transport/types';
import { TuyaAucDriver, type AucDriverOptions } from './tuya-auc/driver';
import { TuyaopenCliDriver, type TuyaopenCliDriverOptions } from './tuyaopen-cli/driver';
import { isProtocolId, protocolIds, type ProtocolId } from '../../common/protocols';
import type { ModuleDriver } from './types';

/**
 * The one place that knows which driver speaks which protocol. Slots, the
 * headless burn command and benchmarks create drivers here, by protocol id.
 */

export interface DriverOptionsByProtocol {
  'tuya-auc': AucDriverOptions;
  'tuyaopen-cli': TuyaopenCliDriverOptions;
}

const drivers: { [P in ProtocolId]: (transport: Transport, options: DriverOptionsByProtocol[P]) => ModuleDriver } = {
  'tuya-auc': (transport, options) => new TuyaAucDriver(transport, options),
  'tuyaopen-cli': (transport, options) => new TuyaopenCliDriver(transport, options),
};

/** A driver for `protocol` over `transport`; an unknown protocol is an UNKNOWN_PROTOCOL error naming the known ones. */
export function createDriver<P extends ProtocolId>(protocol: P, transport: Transport, options?: DriverOptionsByProtocol[P]): ModuleDriver;
export function createDriver(protocol: string, transport: Transport, options?: object): ModuleDriver;
export function createDriver(protocol: string, transport: Transport, options: object = {}): ModuleDriver {
  if (!isProtocolId(protocol)) {
    throw new AppError('UNKNOWN_PROTOCOL', `Unknown protocol "${protocol}": use one of ${protocolIds.join(', ')}.`, { protocol });
  }
  const make = drivers[protocol] as (transport: Transport, options: object) => ModuleDriver;
  return make(transport, options);
}

export { isProtocolId, protocolIds, type ModuleDriver, type ProtocolId };

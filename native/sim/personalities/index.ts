import { AppError } from '../../../common/errors';
import type { ProtocolId } from '../../../common/protocols';
import { protocolDescriptor } from '../../protocols';
import type { PersonalityModule } from '../types';
import { personality as tuyaAuc } from './tuya-auc';
import { personality as tuyaopenCli } from './tuyaopen-cli';

/** Every built-in protocol's personality, imported by name so the layering lint sees what the simulator loads. */
const personalities: Record<ProtocolId, PersonalityModule> = { 'tuya-auc': tuyaAuc, 'tuyaopen-cli': tuyaopenCli };

/**
 * The personality of a protocol: a built-in one's (native/sim/personalities/<protocol>.ts, listed above),
 * else the one its descriptor brought when it was registered (native/protocols registerProtocol).
 */
export function loadPersonality(protocol: string): PersonalityModule {
  const personality = (personalities as Partial<Record<string, PersonalityModule>>)[protocol] ?? protocolDescriptor(protocol).personality;
  if (!personality)
    throw new AppError(
      'SIM_PROTOCOL_UNAVAILABLE',
      `No virtual module personality for ${protocol}: give its descriptor a personality when you register it.`,
    );
  return personality;
}

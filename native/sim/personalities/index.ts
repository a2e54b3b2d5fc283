import { AppError } from '../../../common/errors';
import type { ProtocolId } from '../../../common/protocols';
import type { PersonalityModule } from '../types';
import { personality as tuyaAuc } from './tuya-auc';
import { personality as tuyaopenCli } from './tuyaopen-cli';

/** Every protocol's personality, imported by name so the layering lint sees what the simulator loads. */
const personalities: Record<ProtocolId, PersonalityModule> = { 'tuya-auc': tuyaAuc, 'tuyaopen-cli': tuyaopenCli };

/** The personality of a protocol (native/sim/personalities/<protocol>.ts, listed above). */
export function loadPersonality(protocol: ProtocolId): PersonalityModule {
  const personality = (personalities as Partial<Record<string, PersonalityModule>>)[protocol];
  if (!personality)
    throw new AppError(
      'SIM_PROTOCOL_UNAVAILABLE',
      `No virtual module personality for ${protocol}; add native/sim/personalities/${protocol}.ts and list it in native/sim/personalities/index.ts.`,
    );
  return personality;
}

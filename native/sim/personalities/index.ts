import { AppError } from '../../../common/errors';
import type { PersonalityModule, SimProtocol } from '../types';
import { personality as tuyaAuc } from './tuya-auc';

/**
 * Finds the personality of a protocol. tuya-auc is built in; the others are
 * loaded by file name (native/sim/personalities/<protocol>.ts exporting
 * `personality`), so each protocol's engineer owns their file.
 */
export async function loadPersonality(protocol: SimProtocol): Promise<PersonalityModule> {
  if (protocol === 'tuya-auc') return tuyaAuc;
  const specifier = `./${protocol}`;
  let loaded: { personality?: PersonalityModule };
  try {
    loaded = (await import(/* @vite-ignore */ specifier)) as { personality?: PersonalityModule };
  } catch (e) {
    throw new AppError('SIM_PROTOCOL_UNAVAILABLE', `No virtual module personality for ${protocol} yet (native/sim/personalities/${protocol}.ts): ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!loaded.personality || loaded.personality.protocol !== protocol) {
    throw new AppError('SIM_PROTOCOL_UNAVAILABLE', `native/sim/personalities/${protocol}.ts must export \`personality\` for protocol ${protocol}.`);
  }
  return loaded.personality;
}

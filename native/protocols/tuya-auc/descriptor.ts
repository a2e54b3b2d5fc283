import type { ProtocolDescriptor } from '../types';
import { TuyaAucDriver, type AucDriverOptions } from './driver';

export const tuyaAuc: ProtocolDescriptor<'tuya-auc', AucDriverOptions> = {
  id: 'tuya-auc',
  // WRITE_AUTH_INFO's fixed layout holds a 16-character uuid (codec.ts checkAuthInfo).
  uuidLengths: [16],
  createDriver: (transport, options) => new TuyaAucDriver(transport, options),
};

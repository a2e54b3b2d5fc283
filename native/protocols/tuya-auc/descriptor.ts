import type { ProtocolDescriptor } from '../types';
import { personality } from './personality';
import { TuyaAucDriver, type AucDriverOptions } from './driver';

export const tuyaAuc = {
  id: 'tuya-auc',
  // WRITE_AUTH_INFO's fixed layout holds a 16-character uuid (codec.ts checkAuthInfo).
  uuidLengths: [16],
  createDriver: (transport, options) => new TuyaAucDriver(transport, options),
  personality,
} satisfies ProtocolDescriptor<'tuya-auc', AucDriverOptions>;

import type { ProtocolDescriptor } from '../types';
import { messages } from './messages';
import { personality } from './personality';
import { TuyaopenCliDriver, cliFirmwares, type TuyaopenCliDriverOptions } from './driver';

export const tuyaopenCli = {
  id: 'tuyaopen-cli',
  // What any console generation takes; which one a module runs is found out at the module.
  uuidLengths: [...new Set(Object.values(cliFirmwares).flatMap((f) => f.uuidLengths))].sort((a, b) => a - b),
  createDriver: (transport, options) => new TuyaopenCliDriver(transport, options),
  personality,
  messages,
} satisfies ProtocolDescriptor<'tuyaopen-cli', TuyaopenCliDriverOptions>;

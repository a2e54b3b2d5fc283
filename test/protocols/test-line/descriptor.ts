import type { ProtocolDescriptor } from '../../../native/protocols/types';
import { TEST_LINE_UUID_LENGTH, TestLineDriver, type TestLineDriverOptions } from './driver';
import { messages } from './messages';
import { personality } from './personality';

export const testLine: ProtocolDescriptor<'test-line', TestLineDriverOptions> = {
  id: 'test-line',
  uuidLengths: [TEST_LINE_UUID_LENGTH],
  createDriver: (transport, options) => new TestLineDriver(transport, options),
  personality,
  messages,
};

import { describe, expect, it } from 'vitest';
import { protocolSchema } from '../../../common/api/schemas';
import { createDriver, protocolDescriptor, protocolIds, protocolPersonality } from '../../../native/protocols';
import { MemoryTransport } from '../../../native/transport/memory';

// Every list of protocols comes from common/protocols.ts: each name has its descriptor, driver and personality.
describe('protocol registry', () => {
  it('gives every protocol its descriptor, driver and personality, and the UI contract accepts exactly these', () => {
    for (const id of protocolIds) {
      expect(protocolDescriptor(id).id).toBe(id);
      expect(createDriver(id, new MemoryTransport('m')).protocol).toBe(id);
      expect(protocolPersonality(id).protocol).toBe(id);
    }
    expect(protocolSchema.options).toEqual([...protocolIds]);
  });

  it('knows the uuid lengths each protocol takes (tuyaopen-cli: any console generation) and refuses an unknown protocol by name', () => {
    expect(protocolDescriptor('tuya-auc').uuidLengths).toEqual([16]);
    expect(protocolDescriptor('tuyaopen-cli').uuidLengths).toEqual([16, 20]);
    expect(() => protocolDescriptor('esp-at')).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_PROTOCOL', message: expect.stringContaining('tuya-auc, tuyaopen-cli') }),
    );
  });
});

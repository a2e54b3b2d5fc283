import { pushItemSchema } from '../../../common/hub-api';
import { describe, expect, it } from 'vitest';
import { backoffDelay, blockReason, hubMac, normaliseHubUrl } from '../../../main/sync';
import { toPushItem } from '../../../main/sync/push';

describe('backoff with jitter', () => {
  const opts = { baseMs: 500, maxMs: 30_000 };
  it('doubles from the base and stays within [half, full] of the step', () => {
    expect(backoffDelay(1, opts, () => 0)).toBe(250);
    expect(backoffDelay(1, opts, () => 1)).toBe(500);
    expect(backoffDelay(2, opts, () => 1)).toBe(1000);
    expect(backoffDelay(4, opts, () => 0.5)).toBe(3000);
  });
  it('never goes past the cap, however long the outage', () => {
    for (const n of [7, 10, 50, 10_000]) {
      expect(backoffDelay(n, opts, () => 1)).toBe(30_000);
      expect(backoffDelay(n, opts, () => 0)).toBe(15_000);
    }
  });
  it('spreads stations that lost the hub together', () => {
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(5, opts)));
    expect(seen.size).toBeGreaterThan(10);
  });
});

describe('what the station tells operators about a group', () => {
  it('blocks groups under review, awaiting payment, list-generated or moved away; lets usable ones burn', () => {
    expect(blockReason({ usable: true, assignedToYou: true, state: 'valid' })).toBeNull();
    expect(blockReason({ usable: true, assignedToYou: true, state: 'updated' })).toBeNull();
    expect(blockReason({ usable: false, assignedToYou: true, state: 'confirming_update' })).toMatch(/under review/);
    expect(blockReason({ usable: false, assignedToYou: true, state: 'being_paid' })).toMatch(/paid/);
    expect(blockReason({ usable: false, assignedToYou: true, state: 'list_generated' })).toMatch(/downloaded/);
    expect(blockReason({ usable: true, assignedToYou: false, state: 'valid' })).toMatch(/another station/);
  });
});

describe('outbox rows as hub push items', () => {
  const base = { seq: 1, refId: 7, opId: null, createdAt: 0, attempts: 0 };
  it('spells a module MAC the way the hub wants it, or leaves it out', () => {
    expect(hubMac('aa:bb:cc:dd:ee:ff')).toBe('AABBCCDDEEFF');
    expect(hubMac('AA-BB-CC-DD-EE-FF')).toBe('AABBCCDDEEFF');
    expect(hubMac('AABBCC')).toBeUndefined();
    expect(hubMac(null)).toBeUndefined();
  });
  it('builds a burn with its time and key, and a spoiled item with a bounded reason', () => {
    expect(
      toPushItem({
        ...base,
        idemKey: 'burn-abcdefghijklmnop',
        kind: 'burn',
        uuid: 'abcdefghijklmnop',
        payload: { at: 0, mac: '11:22:33:44:55:66' },
      }),
    ).toEqual({
      kind: 'burn',
      key: 'burn-abcdefghijklmnop',
      uuid: 'abcdefghijklmnop',
      burnedAt: '1970-01-01T00:00:00.000Z',
      mac: '112233445566',
    });
    const spoiled = toPushItem({
      ...base,
      idemKey: 'spoiled-abcdefghijklmnop',
      kind: 'spoiled',
      uuid: 'abcdefghijklmnop',
      payload: { at: 0, reason: 'x'.repeat(500) },
    });
    expect(spoiled).toMatchObject({ kind: 'spoiled', reason: 'x'.repeat(200) });
  });
  it('builds a rejected item with its reason and a set_pid item that the hub schema accepts', () => {
    const rejected = toPushItem({
      ...base,
      idemKey: 'rejected-abcdefghijklmnop',
      kind: 'rejected',
      uuid: 'abcdefghijklmnop',
      payload: { at: 0, reason: 'no PID' },
    });
    expect(pushItemSchema.parse(rejected)).toEqual({
      kind: 'rejected',
      key: 'rejected-abcdefghijklmnop',
      uuid: 'abcdefghijklmnop',
      at: '1970-01-01T00:00:00.000Z',
      reason: 'no PID',
    });
    const pid = toPushItem({
      ...base,
      idemKey: 'pid-g1-7',
      kind: 'set_pid',
      uuid: null,
      payload: { credentialId: '3f2a1c9e-8b7d-4e6f-9a0b-1c2d3e4f5a6b', pid: 'plug0001', at: 0 },
    });
    expect(pushItemSchema.parse(pid)).toMatchObject({ kind: 'set_pid', pid: 'plug0001' });
  });
});

describe('hub address', () => {
  it('accepts http(s) and trims a trailing slash; refuses anything else with a plain reason', () => {
    expect(normaliseHubUrl(' http://hub.local:8787/ ')).toBe('http://hub.local:8787');
    expect(normaliseHubUrl('https://hub.example.com/api/')).toBe('https://hub.example.com/api');
    expect(() => normaliseHubUrl('ftp://hub')).toThrow(expect.objectContaining({ code: 'HUB_URL_INVALID' }));
    expect(() => normaliseHubUrl('hub.local')).toThrow(expect.objectContaining({ code: 'HUB_URL_INVALID' }));
  });
});

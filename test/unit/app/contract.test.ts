import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiChannels, apiContract, apiEvents, specOf } from '../../../common/api/contract';

const secretKeys = /^(authkey|auth_key|auzkey|token|passphrase|pin|secret|password)$/i;

/** Every object key a schema can produce, found by walking its JSON Schema. */
function keysOf(schema: z.ZodType): string[] {
  const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' });
  const keys: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    if (n.properties && typeof n.properties === 'object') keys.push(...Object.keys(n.properties));
    Object.values(n).forEach(walk);
  };
  walk(json);
  return keys;
}

describe('the API contract', () => {
  it('names no secret in any call output or event', () => {
    const outputs = Object.entries(apiContract).flatMap(([g, calls]) =>
      Object.entries(calls).map(([m, spec]) => [`${g}.${m}`, (spec as { output: z.ZodType }).output] as const),
    );
    const events = Object.entries(apiEvents);
    for (const [name, schema] of [...outputs, ...events]) {
      const leaks = keysOf(schema as z.ZodType).filter((k) => secretKeys.test(k));
      expect(leaks, name).toEqual([]);
    }
    expect(outputs.length).toBeGreaterThan(30);
  });

  it('carries a passphrase in one output only: the one-time transfer-bundle passphrase, to a supervisor', () => {
    const outputs = Object.entries(apiContract).flatMap(([g, calls]) =>
      Object.entries(calls).map(([m, spec]) => [`${g}.${m}`, spec as { output: z.ZodType; access: string }] as const),
    );
    const carrying = outputs.flatMap(([name, spec]) =>
      keysOf(spec.output)
        .filter((k) => /passphrase|authkey|token|secret|password/i.test(k))
        .map((k) => `${name}.${k}`),
    );
    expect(carrying).toEqual(['supervisor.exportBundle.oneTimePassphrase']);
    expect(apiContract.supervisor.exportBundle.access).toBe('supervisor');
    for (const [name, schema] of Object.entries(apiEvents))
      expect(
        keysOf(schema).filter((k) => /passphrase/i.test(k)),
        name,
      ).toEqual([]);
  });

  it('takes a transfer bundle by path or by content, never both, with a 24-character passphrase', () => {
    const input = apiContract.supervisor.importBundle.input;
    const pass = 'ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2';
    expect(input.safeParse({ filePath: '/srv/exports/t.bundle', passphrase: pass }).success).toBe(true);
    expect(input.safeParse({ contentBase64: 'e30=', passphrase: 'abcd efgh jkmn pqrs tuvw xyz2' }).success).toBe(true);
    expect(input.safeParse({ filePath: 'C:\\exports\\t.bundle', passphrase: pass }).success).toBe(true);
    const both = input.safeParse({ filePath: '/srv/t.bundle', contentBase64: 'e30=', passphrase: pass });
    expect(both.error?.issues[0]?.path).toEqual(['filePath']);
    expect(input.safeParse({ passphrase: pass }).success).toBe(false);
    expect(input.safeParse({ filePath: 'exports/t.bundle', passphrase: pass }).error?.issues[0]?.message).toBe(
      'give the full path of the bundle file on this station',
    );
    expect(input.safeParse({ filePath: '/srv/t.bundle', passphrase: 'ABCD-EFGH' }).error?.issues[0]?.path).toEqual(['passphrase']);
    const exp = apiContract.supervisor.exportBundle.input;
    expect(exp.safeParse({ groupId: 'g1' }).success).toBe(true);
    expect(exp.safeParse({ groupId: 'g1', count: 0 }).success).toBe(false);
    expect(exp.safeParse({ groupId: 'g1', count: 2.5 }).success).toBe(false);
  });

  it('offline outcomes cover transfer bundles out and in', () => {
    const base = {
      id: 'op1',
      summary: 's',
      groupId: 'g1',
      licenses: null,
      status: 'pending',
      code: null,
      reason: null,
      localAction: null,
      at: '2026-01-01T00:00:00.000Z',
    };
    for (const kind of ['split', 'reassign', 'transfer_out', 'transfer_in'])
      expect(apiEvents.onOfflineOutcome.safeParse({ ...base, kind }).success, kind).toBe(true);
    expect(apiEvents.onOfflineOutcome.safeParse({ ...base, kind: 'merge' }).success).toBe(false);
  });

  it('drops a field the contract does not name (an authkey a service lets slip never leaves main)', () => {
    const slot = apiContract.station.overview.output.parse({ groups: [], slots: [] });
    expect(slot).toEqual({ groups: [], slots: [] });
    const suspect = apiContract.supervisor.suspects.output.parse([
      {
        uuid: 'abcdefghijklmnop',
        groupId: 'g',
        slotId: null,
        slotNumber: null,
        since: 'now',
        reason: 'x',
        moduleMac: null,
        moduleSerial: null,
        authkey: 'A'.repeat(32),
      },
    ]);
    expect(JSON.stringify(suspect)).not.toContain('AAAA');
  });

  it('lists each channel once and finds its spec, and nothing else', () => {
    expect(new Set(apiChannels).size).toBe(apiChannels.length);
    for (const c of apiChannels) expect(specOf(c)).toBeDefined();
    expect(specOf('station.toString')).toBeUndefined();
    expect(specOf('__proto__.x')).toBeUndefined();
    expect(specOf('station')).toBeUndefined();
  });

  it('accepts only http(s) hub addresses and 4-8 digit PINs at first run', () => {
    const base = { enrollmentCode: 'ABC123', stationName: 'S1', keyProtection: { kind: 'os_keychain' }, supervisorPin: '1234' };
    expect(apiContract.setup.connectHub.input.safeParse({ ...base, hubUrl: 'https://hub.local' }).success).toBe(true);
    expect(apiContract.setup.connectHub.input.safeParse({ ...base, hubUrl: 'javascript:alert(1)' }).success).toBe(false);
    expect(apiContract.setup.connectHub.input.safeParse({ ...base, hubUrl: 'https://hub.local', supervisorPin: '12a4' }).success).toBe(
      false,
    );
    expect(
      apiContract.setup.startDemo.input.safeParse({ keyProtection: { kind: 'passphrase', passphrase: 'short' }, supervisorPin: '1234' })
        .success,
    ).toBe(false);
  });

  it('first run takes no hub admin token: the station works on its own token', () => {
    const base = {
      hubUrl: 'https://hub.local',
      enrollmentCode: 'ABCD-EFGH-JKLM',
      stationName: 'A-1',
      keyProtection: { kind: 'os_keychain' },
      supervisorPin: '2468',
    };
    expect(apiContract.setup.connectHub.input.safeParse(base).success).toBe(true);
    const withToken = apiContract.setup.connectHub.input.safeParse({ ...base, hubOperatorToken: 'an-admin-token-of-the-hub' });
    expect(withToken.success).toBe(false);
    expect(withToken.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['hubOperatorToken'] });
  });
});

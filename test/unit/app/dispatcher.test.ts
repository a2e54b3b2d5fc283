import { describe, expect, it } from 'vitest';
import { AppError } from '../../../common/errors';
import { createDispatcher } from '../../../main/api/dispatcher';
import { EventHub, type StationServices } from '../../../main/api/services';
import { SupervisorSessions, memoryPinStore } from '../../../main/api/supervisor-session';

const ctx = { sessionKey: 'test' };

/** Services where only the parts a test names exist. */
function partial(parts: Partial<Record<keyof Omit<StationServices, 'events'>, Record<string, unknown>>>, events = new EventHub()) {
  return { events, ...parts } as unknown as StationServices;
}

describe('the dispatcher', () => {
  it('refuses a call that does not exist, or is not a string, with BAD_REQUEST in plain words', async () => {
    const d = createDispatcher(partial({}), new SupervisorSessions(memoryPinStore()));
    expect(await d.dispatch('station.formatDisk', {}, ctx)).toEqual({
      ok: false,
      error: { code: 'BAD_REQUEST', message: 'The request was refused: there is no call named "station.formatDisk".' },
    });
    expect(await d.dispatch(42, {}, ctx)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await d.dispatch('constructor.name', {}, ctx)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('refuses a bad payload naming the field, and never calls the service', async () => {
    let called = 0;
    const d = createDispatcher(
      partial({
        station: {
          scanSerial: () => {
            called++;
          },
        },
      }),
      new SupervisorSessions(memoryPinStore()),
    );
    const r = await d.dispatch('station.scanSerial', { slotId: 'slot-1', serial: 'ab\u0000cd' }, ctx);
    expect(r).toEqual({
      ok: false,
      error: { code: 'BAD_REQUEST', message: 'The request was refused: serial: a serial number may only hold printable ASCII characters.' },
    });
    expect((await d.dispatch('station.scanSerial', { slotId: 'slot-1', serial: 'SN1', extra: true }, ctx)).ok).toBe(false);
    expect((await d.dispatch('station.scanSerial', 'SN1', ctx)).ok).toBe(false);
    expect(called).toBe(0);
  });

  it('passes the validated input to the service and returns its value', async () => {
    const seen: unknown[] = [];
    const d = createDispatcher(
      partial({
        station: {
          counts: (input: unknown) => {
            seen.push(input);
            return { groupId: 'g1', total: 3, left: 1, burned: 1, suspect: 1, rejected: 0, void: 0, failedAttempts: 0 };
          },
        },
      }),
      new SupervisorSessions(memoryPinStore()),
    );
    const r = await d.dispatch('station.counts', { groupId: '  g1 ' }, ctx);
    expect(seen).toEqual([{ groupId: 'g1' }]);
    expect(r).toEqual({
      ok: true,
      value: { groupId: 'g1', total: 3, left: 1, burned: 1, suspect: 1, rejected: 0, void: 0, failedAttempts: 0 },
    });
  });

  it('strips what the contract does not name from outputs and events (authkeys stay in main)', async () => {
    const events = new EventHub();
    const suspect = { uuid: 'abcdefghijklmnop', groupId: 'g', slotId: null, since: 't', reason: 'r', authkey: 'K'.repeat(32) };
    const sessions = new SupervisorSessions(memoryPinStore(SupervisorSessions.newRecord('1234')));
    const d = createDispatcher(partial({ supervisor: { suspects: () => [suspect] } }, events), sessions);
    await d.dispatch('supervisor.login', { pin: '1234' }, ctx);
    const r = await d.dispatch('supervisor.suspects', undefined, ctx);
    expect(JSON.stringify(r)).not.toContain('KKKK');
    const got: unknown[] = [];
    d.subscribe((_e, p) => got.push(p));
    events.emit('onCounts', {
      groupId: 'g',
      total: 1,
      left: 1,
      burned: 0,
      suspect: 0,
      rejected: 0,
      void: 0,
      failedAttempts: 0,
      authkey: 'K'.repeat(32),
    } as never);
    events.emit('onCounts', { groupId: 'g', total: -1 } as never);
    expect(got).toHaveLength(1);
    expect(JSON.stringify(got)).not.toContain('KKKK');
  });

  it('answers INTERNAL, not garbage, when a service returns something outside the contract', async () => {
    const d = createDispatcher(partial({ sync: { status: () => ({ online: 'yes' }) } }), new SupervisorSessions(memoryPinStore()));
    expect(await d.dispatch('sync.status', undefined, ctx)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });

  it('turns an AppError into its code and message, anything else into INTERNAL, a missing service into NOT_AVAILABLE', async () => {
    const d = createDispatcher(
      partial({
        sync: {
          syncNow: () => {
            throw new AppError('NOT_ENROLLED', 'Not connected to a hub.', { secret: 'x' });
          },
          outcomes: () => {
            throw new Error('boom');
          },
        },
      }),
      new SupervisorSessions(memoryPinStore()),
    );
    expect(await d.dispatch('sync.syncNow', {}, ctx)).toEqual({
      ok: false,
      error: { code: 'NOT_ENROLLED', message: 'Not connected to a hub.' },
    });
    expect(await d.dispatch('sync.outcomes', {}, ctx)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(await d.dispatch('reports.dashboard', { range: 'day' }, ctx)).toMatchObject({ ok: false, error: { code: 'NOT_AVAILABLE' } });
  });

  it('requires a PIN session for supervisor calls, per window', async () => {
    const sessions = new SupervisorSessions(memoryPinStore());
    sessions.setPin('2468');
    const app = { dispatcher: createDispatcher(partial({ supervisor: { suspects: () => [] } }), sessions) };
    expect(await app.dispatcher.dispatch('supervisor.suspects', {}, ctx)).toMatchObject({
      ok: false,
      error: { code: 'SUPERVISOR_REQUIRED' },
    });
    expect(await app.dispatcher.dispatch('supervisor.login', { pin: '2468' }, ctx)).toMatchObject({ ok: true, value: { active: true } });
    expect(await app.dispatcher.dispatch('supervisor.suspects', {}, ctx)).toEqual({ ok: true, value: [] });
    expect(await app.dispatcher.dispatch('supervisor.suspects', {}, { sessionKey: 'other-window' })).toMatchObject({
      ok: false,
      error: { code: 'SUPERVISOR_REQUIRED' },
    });
  });

  it("records every supervisor action (not the reads) with the supervisor's name and how it ended", async () => {
    const sessions = new SupervisorSessions(memoryPinStore());
    sessions.setPin('2468');
    const actions: unknown[] = [];
    const d = createDispatcher(
      partial({
        supervisor: {
          suspects: () => [],
          split: () => {
            throw new AppError('NOT_ENOUGH_LICENSES', 'Too few.');
          },
        },
      }),
      sessions,
      undefined,
      (a) => actions.push(a),
    );
    await d.dispatch('supervisor.login', { pin: '2468' }, ctx);
    await d.dispatch('supervisor.suspects', {}, ctx);
    await d.dispatch('supervisor.split', { groupId: 'g1', purchased: 1, free: 0 }, ctx);
    expect(actions).toEqual([
      {
        channel: 'supervisor.split',
        supervisor: { id: 'station', name: 'Station supervisor', source: 'shared' },
        outcome: 'NOT_ENOUGH_LICENSES',
      },
    ]);
    // without a session nothing is the supervisor's
    await d.dispatch('supervisor.split', { groupId: 'g1', purchased: 1, free: 0 }, { sessionKey: 'nobody' });
    expect(actions).toHaveLength(1);
  });

  it('refuses bad transfer-bundle payloads with BAD_REQUEST naming the field, before the PIN and the service', async () => {
    const sessions = new SupervisorSessions(memoryPinStore(SupervisorSessions.newRecord('1234')));
    const calls: unknown[] = [];
    const d = createDispatcher(
      partial({
        supervisor: {
          exportBundle: (i: unknown) => {
            calls.push(i);
            throw new AppError('NOT_ENOUGH_LICENSES', 'Group "Plug" has 3 unused licenses here: put at most that many in the bundle.');
          },
          importBundle: (i: unknown) => {
            calls.push(i);
            throw new AppError('BUNDLE_ALREADY_IMPORTED', 'This bundle was already imported.');
          },
        },
      }),
      sessions,
    );
    const pass = 'ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2';
    const refused = async (channel: string, payload: unknown): Promise<string> => {
      const r = await d.dispatch(channel, payload, ctx);
      expect(r.ok, JSON.stringify(payload)).toBe(false);
      if (r.ok) return '';
      expect(r.error.code).toBe('BAD_REQUEST');
      return r.error.message;
    };
    expect(await refused('supervisor.exportBundle', { groupId: 'g1', count: 0 })).toBe(
      'The request was refused: count: a bundle holds at least 1 license.',
    );
    expect(await refused('supervisor.exportBundle', { groupId: 'g1', count: '5' })).toMatch(/^The request was refused: count: /);
    expect(await refused('supervisor.exportBundle', { groupId: '', count: 5 })).toBe(
      'The request was refused: groupId: an id is required.',
    );
    expect(await refused('supervisor.exportBundle', { groupId: 'g1', filePath: '/etc/passwd' })).toMatch(/filePath/);
    expect(await refused('supervisor.importBundle', { filePath: '/x/t.bundle', passphrase: 'ABCD' })).toBe(
      'The request was refused: passphrase: the one-time passphrase is 6 groups of 4 characters (24 letters and digits).',
    );
    expect(await refused('supervisor.importBundle', { filePath: 'relative.bundle', passphrase: pass })).toBe(
      'The request was refused: filePath: give the full path of the bundle file on this station.',
    );
    expect(await refused('supervisor.importBundle', { passphrase: pass })).toBe(
      'The request was refused: filePath: give either the path of the bundle file or its content, not both and not neither.',
    );
    expect(await refused('supervisor.importBundle', { contentBase64: '', passphrase: pass })).toBe(
      'The request was refused: contentBase64: the file is empty.',
    );
    expect(await refused('sync.refusedReports', { all: true })).toMatch(/^The request was refused: /);
    expect(calls).toEqual([]);
    // a good payload without a session: the PIN is asked for; with one, the service's own code and words come back
    expect(await d.dispatch('supervisor.importBundle', { filePath: '/x/t.bundle', passphrase: pass }, ctx)).toMatchObject({
      ok: false,
      error: { code: 'SUPERVISOR_REQUIRED' },
    });
    await d.dispatch('supervisor.login', { pin: '1234' }, ctx);
    expect(
      await d.dispatch('supervisor.importBundle', { filePath: ' /x/t.bundle ', passphrase: ' abcd-efgh-jkmn-pqrs-tuvw-xyz2 ' }, ctx),
    ).toEqual({ ok: false, error: { code: 'BUNDLE_ALREADY_IMPORTED', message: 'This bundle was already imported.' } });
    expect(calls).toEqual([{ filePath: '/x/t.bundle', passphrase: 'abcd-efgh-jkmn-pqrs-tuvw-xyz2' }]);
    expect(await d.dispatch('supervisor.exportBundle', { groupId: 'g1', count: 5 }, ctx)).toMatchObject({
      ok: false,
      error: { code: 'NOT_ENOUGH_LICENSES' },
    });
  });

  it('refuses an export answer whose passphrase is not the one-time form, rather than show something else', async () => {
    const sessions = new SupervisorSessions(memoryPinStore(SupervisorSessions.newRecord('1234')));
    const group = {
      id: 'g1',
      name: 'Plug',
      pid: 'p1',
      productName: 'Plug',
      owner: 'mine',
      deliveryMode: 'credential',
      state: 'valid',
      purchased: 10,
      free: 0,
      parentId: null,
      fromReplacement: false,
      assignment: { line: null, slotIds: [] },
      counts: { groupId: 'g1', total: 10, left: 5, burned: 0, suspect: 0, rejected: 0, void: 0, failedAttempts: 0 },
      blocked: null,
      features: null,
      allowedActions: [],
    };
    let passphrase = 'ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2';
    const d = createDispatcher(
      partial({
        supervisor: {
          exportBundle: () => ({
            bundleId: 'b1',
            filePath: '/x/t.bundle',
            licenses: 5,
            oneTimePassphrase: passphrase,
            group,
            authkeys: ['K'.repeat(32)],
          }),
        },
      }),
      sessions,
    );
    await d.dispatch('supervisor.login', { pin: '1234' }, ctx);
    const r = await d.dispatch('supervisor.exportBundle', { groupId: 'g1', count: 5 }, ctx);
    expect(r).toMatchObject({ ok: true, value: { oneTimePassphrase: passphrase, licenses: 5 } });
    expect(JSON.stringify(r)).not.toContain('KKKK');
    passphrase = 'a station secret';
    expect(await d.dispatch('supervisor.exportBundle', { groupId: 'g1' }, ctx)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });
});

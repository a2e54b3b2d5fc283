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
    expect(await d.dispatch('station.formatDisk', {}, ctx)).toEqual({ ok: false, error: { code: 'BAD_REQUEST', message: 'The request was refused: there is no call named "station.formatDisk".' } });
    expect(await d.dispatch(42, {}, ctx)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await d.dispatch('constructor.name', {}, ctx)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('refuses a bad payload naming the field, and never calls the service', async () => {
    let called = 0;
    const d = createDispatcher(partial({ station: { scanSerial: () => { called++; } } }), new SupervisorSessions(memoryPinStore()));
    const r = await d.dispatch('station.scanSerial', { slotId: 'slot-1', serial: 'ab\u0000cd' }, ctx);
    expect(r).toEqual({ ok: false, error: { code: 'BAD_REQUEST', message: 'The request was refused: serial: a serial number may only hold printable ASCII characters.' } });
    expect((await d.dispatch('station.scanSerial', { slotId: 'slot-1', serial: 'SN1', extra: true }, ctx)).ok).toBe(false);
    expect((await d.dispatch('station.scanSerial', 'SN1', ctx)).ok).toBe(false);
    expect(called).toBe(0);
  });

  it('passes the validated input to the service and returns its value', async () => {
    const seen: unknown[] = [];
    const d = createDispatcher(partial({ station: { counts: (input: unknown) => { seen.push(input); return { groupId: 'g1', total: 3, left: 1, burned: 1, failed: 0, suspect: 1, void: 0 }; } } }), new SupervisorSessions(memoryPinStore()));
    const r = await d.dispatch('station.counts', { groupId: '  g1 ' }, ctx);
    expect(seen).toEqual([{ groupId: 'g1' }]);
    expect(r).toEqual({ ok: true, value: { groupId: 'g1', total: 3, left: 1, burned: 1, failed: 0, suspect: 1, void: 0 } });
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
    events.emit('onCounts', { groupId: 'g', total: 1, left: 1, burned: 0, failed: 0, suspect: 0, void: 0, authkey: 'K'.repeat(32) } as never);
    events.emit('onCounts', { groupId: 'g', total: -1 } as never);
    expect(got).toHaveLength(1);
    expect(JSON.stringify(got)).not.toContain('KKKK');
  });

  it('answers INTERNAL, not garbage, when a service returns something outside the contract', async () => {
    const d = createDispatcher(partial({ sync: { status: () => ({ online: 'yes' }) } }), new SupervisorSessions(memoryPinStore()));
    expect(await d.dispatch('sync.status', undefined, ctx)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });

  it('turns an AppError into its code and message, anything else into INTERNAL, a missing service into NOT_AVAILABLE', async () => {
    const d = createDispatcher(partial({ sync: { syncNow: () => { throw new AppError('NOT_ENROLLED', 'Not connected to a hub.', { secret: 'x' }); }, outcomes: () => { throw new Error('boom'); } } }), new SupervisorSessions(memoryPinStore()));
    expect(await d.dispatch('sync.syncNow', {}, ctx)).toEqual({ ok: false, error: { code: 'NOT_ENROLLED', message: 'Not connected to a hub.' } });
    expect(await d.dispatch('sync.outcomes', {}, ctx)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(await d.dispatch('reports.dashboard', { range: 'day' }, ctx)).toMatchObject({ ok: false, error: { code: 'NOT_AVAILABLE' } });
  });

  it('requires a PIN session for supervisor calls, per window', async () => {
    const sessions = new SupervisorSessions(memoryPinStore());
    sessions.setPin('2468');
    const app = { dispatcher: createDispatcher(partial({ supervisor: { suspects: () => [] } }), sessions) };
    expect(await app.dispatcher.dispatch('supervisor.suspects', {}, ctx)).toMatchObject({ ok: false, error: { code: 'SUPERVISOR_REQUIRED' } });
    expect(await app.dispatcher.dispatch('supervisor.login', { pin: '2468' }, ctx)).toMatchObject({ ok: true, value: { active: true } });
    expect(await app.dispatcher.dispatch('supervisor.suspects', {}, ctx)).toEqual({ ok: true, value: [] });
    expect(await app.dispatcher.dispatch('supervisor.suspects', {}, { sessionKey: 'other-window' })).toMatchObject({ ok: false, error: { code: 'SUPERVISOR_REQUIRED' } });
  });
});

import { describe, expect, it } from 'vitest';
import { SupervisorSessions, memoryPinStore, type SupervisorEntry } from '../../../main/api/supervisor-session';
import { isAppError } from '../../../common/errors';
import { hashSecret } from '../../../node/secret-hash';

const fakeClock = (start = 1_700_000_000_000) => {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
};

const codeOf = async (fn: () => unknown): Promise<string | undefined> => {
  try {
    await fn();
    return undefined;
  } catch (e) {
    return isAppError(e) ? e.code : 'NOT_APP_ERROR';
  }
};

describe('supervisor PIN sessions', () => {
  it('stores a salted hash, never the PIN', () => {
    const store = memoryPinStore();
    new SupervisorSessions(store).setPin('482913');
    const rec = store.load()!;
    expect(JSON.stringify(rec)).not.toContain('482913');
    expect(rec.hash).not.toBe(SupervisorSessions.newRecord('482913').hash);
  });

  it('opens a session with the right PIN, names its supervisor, and refuses supervisor work without one', async () => {
    const clock = fakeClock();
    const s = new SupervisorSessions(memoryPinStore(SupervisorSessions.newRecord('1234')), { clock });
    expect(await codeOf(() => s.require('w1'))).toBe('SUPERVISOR_REQUIRED');
    const session = await s.login('w1', '1234');
    expect(session).toMatchObject({ active: true, supervisor: { id: 'station', name: 'Station supervisor', source: 'shared' } });
    expect(s.require('w1').name).toBe('Station supervisor');
    expect(await codeOf(() => s.require('w2'))).toBe('SUPERVISOR_REQUIRED');
  });

  it('says how many attempts are left, then locks, and a correct PIN does not open a locked console', async () => {
    const clock = fakeClock();
    const s = new SupervisorSessions(memoryPinStore(SupervisorSessions.newRecord('1234')), { clock, maxFailures: 3, lockMs: 60_000 });
    try {
      await s.login('w', '0000');
    } catch (e) {
      expect(isAppError(e, 'WRONG_PIN') && e.message).toMatch(/2 attempts left/);
    }
    clock.advance(1000);
    expect(await codeOf(() => s.login('w', '0000'))).toBe('WRONG_PIN');
    clock.advance(1000);
    expect(await codeOf(() => s.login('w', '0000'))).toBe('PIN_LOCKED');
    clock.advance(1000);
    expect(await codeOf(() => s.login('w', '1234'))).toBe('PIN_LOCKED');
    expect(s.status('w').lockedUntil).not.toBeNull();
    clock.advance(60_000);
    expect((await s.login('w', '1234')).active).toBe(true);
  });

  it('keeps the lock across a restart (a new instance on the same store)', async () => {
    const clock = fakeClock();
    const store = memoryPinStore(SupervisorSessions.newRecord('1234'));
    const a = new SupervisorSessions(store, { clock, maxFailures: 2 });
    await codeOf(() => a.login('w', '1111'));
    clock.advance(1000);
    expect(await codeOf(() => a.login('w', '1111'))).toBe('PIN_LOCKED');
    const b = new SupervisorSessions(store, { clock, maxFailures: 2 });
    expect(await codeOf(() => b.login('w', '1234'))).toBe('PIN_LOCKED');
  });

  it('limits attempts to one a second', async () => {
    const clock = fakeClock();
    const s = new SupervisorSessions(memoryPinStore(SupervisorSessions.newRecord('1234')), { clock });
    expect(await codeOf(() => s.login('w', '9999'))).toBe('WRONG_PIN');
    expect(await codeOf(() => s.login('w', '1234'))).toBe('PIN_RATE_LIMITED');
    clock.advance(1000);
    expect((await s.login('w', '1234')).active).toBe(true);
  });

  it('ends a session after the idle time, and each use extends it', async () => {
    const clock = fakeClock();
    const s = new SupervisorSessions(memoryPinStore(SupervisorSessions.newRecord('1234')), { clock, idleMs: 10_000 });
    await s.login('w', '1234');
    clock.advance(9_000);
    s.require('w');
    clock.advance(9_000);
    s.require('w');
    clock.advance(10_001);
    expect(await codeOf(() => s.require('w'))).toBe('SUPERVISOR_REQUIRED');
    expect(s.status('w').active).toBe(false);
  });

  it('each supervisor signs in with their own PIN and name; the first-run PIN is "Station supervisor" until a named one retires it', async () => {
    const clock = fakeClock();
    const directory: SupervisorEntry[] = [
      { id: 'hub:a1', name: 'chen.mei', source: 'hub', hash: await hashSecret('4826', 1024) },
      { id: 'local:b2', name: 'Wang Li', source: 'station', hash: await hashSecret('9911', 1024) },
    ];
    const s = new SupervisorSessions(memoryPinStore(SupervisorSessions.newRecord('1234')), { clock, directory: () => directory });
    expect(s.list().map((x) => x.name)).toEqual(['Station supervisor', 'chen.mei', 'Wang Li']);
    // the PIN alone picks its supervisor; a name picked counts only that supervisor's PIN
    expect((await s.login('p', '9911')).supervisor?.name).toBe('Wang Li');
    clock.advance(1000);
    expect(await codeOf(() => s.login('w', '4826', 'hub:nobody'))).toBe('SUPERVISOR_UNKNOWN');
    expect(await codeOf(() => s.login('w', '9911', 'hub:a1'))).toBe('WRONG_PIN');
    clock.advance(1000);
    expect((await s.login('w', '4826', 'hub:a1')).supervisor).toEqual({ id: 'hub:a1', name: 'chen.mei', source: 'hub' });
    // two supervisors with the same PIN must pick their name
    directory.push({ id: 'local:c3', name: 'Twin', source: 'station', hash: await hashSecret('4826', 1024) });
    clock.advance(1000);
    expect(await codeOf(() => s.login('x', '4826'))).toBe('SUPERVISOR_NAME_REQUIRED');
    directory.pop();
    clock.advance(1000);
    await s.login('shared', '1234', 'station');
    // the shared PIN cannot retire itself; a named supervisor can
    expect(await codeOf(() => s.retireSharedPin(s.require('shared')))).toBe('NAMED_SUPERVISOR_REQUIRED');
    s.retireSharedPin(s.require('w'));
    expect(s.hasSharedPin()).toBe(false);
    expect(await codeOf(() => s.require('shared'))).toBe('SUPERVISOR_REQUIRED');
    clock.advance(1000);
    expect(await codeOf(() => s.login('x', '1234', 'station'))).toBe('SUPERVISOR_UNKNOWN');
    expect(s.list().map((x) => x.name)).toEqual(['chen.mei', 'Wang Li']);
    // a supervisor the hub removed is signed out at the next call
    directory.shift();
    expect(await codeOf(() => s.require('w'))).toBe('SUPERVISOR_REQUIRED');
  });

  it('keeps the shared PIN while no named supervisor exists', async () => {
    const s = new SupervisorSessions(memoryPinStore(SupervisorSessions.newRecord('1234')), { clock: fakeClock() });
    await s.login('w', '1234');
    expect(await codeOf(() => s.retireSharedPin({ id: 'local:x', name: 'X', source: 'station' }))).toBe('NO_NAMED_SUPERVISOR');
    expect(s.hasSharedPin()).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { SupervisorSessions, memoryPinStore } from '../../../main/api/supervisor-session';
import { isAppError } from '../../../common/errors';

const fakeClock = (start = 1_700_000_000_000) => { let t = start; return { now: () => t, advance: (ms: number) => { t += ms; } }; };

const codeOf = (fn: () => unknown): string | undefined => {
  try { fn(); return undefined; } catch (e) { return isAppError(e) ? e.code : 'NOT_APP_ERROR'; }
};

describe('supervisor PIN sessions', () => {
  it('stores a salted hash, never the PIN', () => {
    const store = memoryPinStore();
    new SupervisorSessions(store).setPin('482913');
    const rec = store.load()!;
    expect(JSON.stringify(rec)).not.toContain('482913');
    expect(rec.hash).not.toBe(SupervisorSessions.newRecord('482913').hash);
  });

  it('opens a session with the right PIN and refuses supervisor work without one', () => {
    const clock = fakeClock();
    const s = new SupervisorSessions(memoryPinStore(SupervisorSessions.newRecord('1234')), { clock });
    expect(codeOf(() => s.require('w1'))).toBe('SUPERVISOR_REQUIRED');
    expect(s.login('w1', '1234').active).toBe(true);
    expect(codeOf(() => s.require('w1'))).toBeUndefined();
    expect(codeOf(() => s.require('w2'))).toBe('SUPERVISOR_REQUIRED');
  });

  it('says how many attempts are left, then locks, and a correct PIN does not open a locked console', () => {
    const clock = fakeClock();
    const s = new SupervisorSessions(memoryPinStore(SupervisorSessions.newRecord('1234')), { clock, maxFailures: 3, lockMs: 60_000 });
    try { s.login('w', '0000'); } catch (e) { expect(isAppError(e, 'WRONG_PIN') && e.message).toMatch(/2 attempts left/); }
    clock.advance(1000);
    expect(codeOf(() => s.login('w', '0000'))).toBe('WRONG_PIN');
    clock.advance(1000);
    expect(codeOf(() => s.login('w', '0000'))).toBe('PIN_LOCKED');
    clock.advance(1000);
    expect(codeOf(() => s.login('w', '1234'))).toBe('PIN_LOCKED');
    expect(s.status('w').lockedUntil).not.toBeNull();
    clock.advance(60_000);
    expect(s.login('w', '1234').active).toBe(true);
  });

  it('keeps the lock across a restart (a new instance on the same store)', () => {
    const clock = fakeClock();
    const store = memoryPinStore(SupervisorSessions.newRecord('1234'));
    const a = new SupervisorSessions(store, { clock, maxFailures: 2 });
    codeOf(() => a.login('w', '1111')); clock.advance(1000);
    expect(codeOf(() => a.login('w', '1111'))).toBe('PIN_LOCKED');
    const b = new SupervisorSessions(store, { clock, maxFailures: 2 });
    expect(codeOf(() => b.login('w', '1234'))).toBe('PIN_LOCKED');
  });

  it('limits attempts to one a second', () => {
    const clock = fakeClock();
    const s = new SupervisorSessions(memoryPinStore(SupervisorSessions.newRecord('1234')), { clock });
    expect(codeOf(() => s.login('w', '9999'))).toBe('WRONG_PIN');
    expect(codeOf(() => s.login('w', '1234'))).toBe('PIN_RATE_LIMITED');
    clock.advance(1000);
    expect(s.login('w', '1234').active).toBe(true);
  });

  it('ends a session after the idle time, and each use extends it', () => {
    const clock = fakeClock();
    const s = new SupervisorSessions(memoryPinStore(SupervisorSessions.newRecord('1234')), { clock, idleMs: 10_000 });
    s.login('w', '1234');
    clock.advance(9_000); s.require('w');
    clock.advance(9_000); s.require('w');
    clock.advance(10_001);
    expect(codeOf(() => s.require('w'))).toBe('SUPERVISOR_REQUIRED');
    expect(s.status('w').active).toBe(false);
  });
});

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureRendererBuilt } from './harness';

/**
 * `npm start` as a user runs it, as a child process: the console lists what it
 * started; a signal to the process npm started (no shell in between) stops the
 * hub, the modules and their socat processes, and prints "Stopped.".
 */
const root = resolve(import.meta.dirname, '../..');
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const childrenOf = (pid: number): { pid: number; command: string }[] => {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' }).trim();
  return out === ''
    ? []
    : out.split('\n').map((l) => {
        const m = /^\s*(\d+)\s+(.*)$/.exec(l)!;
        return { pid: Number(m[1]), command: m[2]! };
      });
};
const waitFor = async (what: string, ok: () => boolean, ms: number): Promise<void> => {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('npm start', () => {
  let npm: ChildProcess | null = null;
  beforeAll(async () => {
    await ensureRendererBuilt();
  }, 120_000);
  afterEach(() => {
    if (npm?.pid && alive(npm.pid)) process.kill(npm.pid, 'SIGKILL');
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} to the process npm started stops the hub, the modules and socat, and prints "Stopped."`, async () => {
      npm = spawn('npm', ['start', '--', '--browser'], {
        cwd: root,
        env: { ...process.env, DEMO_LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      npm.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      npm.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor('the demo to be ready', () => out.includes('Press Ctrl+C to stop everything.'), 90_000);

      // npm runs the demo itself: node, no shell and no tsx launcher in between
      const [demo, ...others] = childrenOf(npm.pid!);
      expect(others).toEqual([]);
      expect(demo!.command).toMatch(/^node .*scripts\/start\.mjs --browser$/);

      // the console lists what it started
      const hubUrl = /^ {2}hub +(http:\/\/127\.0\.0\.1:\d+)/m.exec(out)?.[1];
      const socat = [...out.matchAll(/^ {2}module \d +(tuya-auc|tuyaopen-cli) on (\S+) +\(socat pid (\d+)\)$/gm)].map((m) => ({
        protocol: m[1],
        port: m[2]!,
        pid: Number(m[3]),
      }));
      const dataDir = /^ {2}Data: +(\S+)$/m.exec(out)?.[1];
      expect(hubUrl).toBeDefined();
      expect(socat.map((s) => s.protocol)).toEqual(['tuya-auc', 'tuya-auc', 'tuyaopen-cli', 'tuyaopen-cli']);
      expect(out).toMatch(/^ {2}station +http:\/\/127\.0\.0\.1:\d+\/\S*k=\S+ +\(browser host/m);
      for (const s of socat) {
        expect(alive(s.pid)).toBe(true);
        expect(readFileSync(`/proc/${s.pid}/cmdline`, 'utf8')).toContain('socat');
        expect(existsSync(s.port)).toBe(true);
      }
      expect((await fetch(hubUrl!)).status).toBeLessThan(500);
      // the hub console, served by the hub, and one account per role to sign in with
      expect(out).toContain(`  Hub console:     ${hubUrl}/console/`);
      const page = await fetch(`${hubUrl}/console/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
      for (const role of ['platform', 'owner', 'factory', 'auditor'])
        expect(out).toMatch(new RegExp(`^ {4}${role} +demo-${role} +\\S{20}`, 'm'));

      process.kill(demo!.pid, signal);
      const code = await new Promise<number | null>((r) => npm!.once('exit', (c) => r(c)));
      expect(code).toBe(0);
      expect(out).toMatch(/Stopping…\nStopped\.\n$/);
      expect(alive(demo!.pid)).toBe(false);
      for (const s of socat) expect(alive(s.pid)).toBe(false);
      await expect(fetch(hubUrl!)).rejects.toThrow();
      expect(existsSync(dataDir!)).toBe(false);
    }, 150_000);
  }
});

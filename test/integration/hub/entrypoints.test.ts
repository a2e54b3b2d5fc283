// The ways in: the `hub` command, startHub() on a real port, and the demo seed the app's demo calls.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../common/log';
import { seedDemo } from '../../../hub/demo';
import { startHub } from '../../../hub/server';
import { createAccount, totpNow } from '../../../hub/services/accounts';
import { keyFor, operatorKeys, testAuthConfig } from '../../support/hub-accounts';
import { makeLicenses } from './harness';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'hub-entry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function hub(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'hub/cli.ts', ...args, '--db', join(dir, 'cli.sqlite')]);
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

describe('hub command', () => {
  it('sets up a product and a credential, imports a license file, splits, reports; refusals exit 1 with the code', async () => {
    expect((await hub('products', 'add', 'plug01', 'Smart plug', '120')).code).toBe(0);
    const cred = JSON.parse(
      (await hub('credentials', 'add', 'plug01', '--mode', 'credential', '--firmware-key', 'K1', '--chip', 'BK7231N')).out,
    );
    const ls = makeLicenses(6);
    const file = join(dir, 'list.csv');
    writeFileSync(file, ['uuid,authkey,mac', ...ls.map((l) => `${l.uuid},${l.authkey},${l.mac}`)].join('\n'));
    expect(JSON.parse((await hub('import', cred.id, file)).out)).toMatchObject({ imported: 6, purchased: 6 });
    expect(JSON.parse((await hub('split', cred.id, '2', '0')).out).child).toMatchObject({
      purchased: 2,
      parentId: cred.id,
      firmwareKey: 'K1',
    });
    const report = JSON.parse((await hub('reports', 'credentials')).out);
    expect(report.rows.map((r: { purchased: number }) => r.purchased).sort()).toEqual([2, 4]);
    const refused = await hub('split', cred.id, '50', '0');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^error SPLIT_EXCEEDS_UNUSED: /);
    const again = await hub('import', cred.id, file);
    expect(again.code).toBe(1);
    expect(again.err).toContain('LICENSE_LIST_INVALID');
    // A group's PID: its product's is confirmed, another is a product change
    expect(JSON.parse((await hub('credentials', 'pid', cred.id, 'plug01')).out)).toMatchObject({ id: cred.id, pid: 'plug01' });
    const otherPid = await hub('credentials', 'pid', cred.id, 'bulb0001');
    expect(otherPid.code).toBe(1);
    expect(otherPid.err).toMatch(/^error PID_IS_PRODUCT: Group \S+ is product plug01 on the hub, not bulb0001/);
  }, 60_000);
});

describe('hub command refusals', () => {
  it('prints one plain line with a stable exit status, never a stack trace', async () => {
    const cases: [string[], number, string][] = [
      [['split', '0b5e3c1e-8a43-4c52-9a0e-000000000001', '0', '0'], 1, 'SPLIT_EMPTY'],
      [['split', '0b5e3c1e-8a43-4c52-9a0e-000000000001', '-1', '0'], 2, 'CLI_USAGE'],
      [['split', '0b5e3c1e-8a43-4c52-9a0e-000000000001', '0x1', '0'], 2, 'CLI_USAGE'],
      [['products', 'list', '--colour', 'red'], 2, 'CLI_USAGE'],
      [['import', '0b5e3c1e-8a43-4c52-9a0e-000000000001', join(dir, 'no-such.csv')], 3, 'FILE_UNREADABLE'],
      [['start', '--port', '0', '--host', '0.0.0.0'], 2, 'HUB_TLS_REQUIRED'],
    ];
    // Three at a time: each is a Node process with tsx.
    const results: Awaited<ReturnType<typeof hub>>[] = [];
    for (let i = 0; i < cases.length; i += 3) results.push(...(await Promise.all(cases.slice(i, i + 3).map(([args]) => hub(...args)))));
    results.forEach((r, i) => {
      const [args, status, code] = cases[i]!;
      expect({ args, status: r.code, err: r.err }).toEqual({
        args,
        status,
        err: expect.stringMatching(new RegExp(`^error ${code}: [^\\n]+\\n$`)),
      });
    });
    // A database password on the command line is refused before anything connects.
    const secret = await run(process.execPath, [
      '--import',
      'tsx',
      'hub/cli.ts',
      'migrate',
      '--db',
      'postgres://hub:s3cret@127.0.0.1:1/hub',
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(secret).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error SECRET_ON_COMMAND_LINE: [^\n]*\n$/) });
    expect((secret as { stderr: string }).stderr).not.toContain('s3cret');
  }, 180_000);
});

describe('a running hub and the hub command on one SQLite file', () => {
  it('split at the same time through both: every split applies, none fails busy, none over-allocates', async () => {
    const db = join(dir, 'shared.sqlite');
    const running = await startHub({ db, port: 0, host: '127.0.0.1', logger: silentLogger });
    try {
      const keys = await operatorKeys(running.deps);
      const admin = async (path: string, body: unknown) => {
        const r = await fetch(running.url + path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${keyFor(keys, 'POST', path)}` },
          body: JSON.stringify(body),
        });
        return { status: r.status, body: (await r.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
      };
      await admin('/v1/admin/products', { pid: 'p1', name: 'P', priceCents: 1 });
      const id = (
        await admin('/v1/admin/credentials', { pid: 'p1', owner: 'mine', deliveryMode: 'credential', firmwareKey: 'k', chip: 'c' })
      ).body.id as string;
      await admin(`/v1/admin/credentials/${id}/licenses`, { licenses: makeLicenses(20) });
      const cli = (n: number) =>
        run(process.execPath, ['--import', 'tsx', 'hub/cli.ts', 'split', id, String(n), '0', '--db', db]).then(
          () => 200,
          () => 409,
        );
      const http = (n: number) => admin(`/v1/admin/credentials/${id}/split`, { purchased: n, free: 0 }).then((r) => r.status);
      const statuses = await Promise.all([cli(3), cli(3), cli(3), http(3), http(3), http(3)]);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
      expect(await http(3)).toBe(409); // 2 left
      const all = await fetch(`${running.url}/v1/admin/credentials`, { headers: { authorization: `Bearer ${keys.owner}` } }).then(
        (r) => r.json() as Promise<{ credentials: { counts: { unused: number } }[] }>,
      );
      expect(all.credentials.reduce((n, c) => n + c.counts.unused, 0)).toBe(20);
    } finally {
      await running.close();
    }
  }, 60_000);
});

describe('startHub beyond loopback', () => {
  const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
  if (!hasOpenssl) console.log('[hub tests] the HTTPS case is skipped: openssl is not installed to make a test certificate.');

  it('refuses to listen beyond loopback in plain HTTP, unless behind a TLS proxy', async () => {
    await expect(startHub({ db: join(dir, 'tls.sqlite'), port: 0, host: '0.0.0.0', logger: silentLogger })).rejects.toMatchObject({
      code: 'HUB_TLS_REQUIRED',
    });
    const proxied = await startHub({ db: join(dir, 'tls.sqlite'), port: 0, host: '0.0.0.0', behindTlsProxy: true, logger: silentLogger });
    try {
      const port = new URL(proxied.url).port;
      expect((await fetch(`http://127.0.0.1:${port}/v1/health`)).status).toBe(200);
    } finally {
      await proxied.close();
    }
  });

  it.skipIf(!hasOpenssl)('serves HTTPS beyond loopback with the certificate and key given', async () => {
    const key = join(dir, 'hub.key');
    const cert = join(dir, 'hub.pem');
    const r = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    expect(r.status).toBe(0);
    const tls = { cert: readFileSync(cert), key: readFileSync(key) };
    const running = await startHub({ db: join(dir, 'tls.sqlite'), port: 0, host: '0.0.0.0', tls, logger: silentLogger });
    try {
      expect(running.url).toMatch(/^https:/);
      const port = new URL(running.url).port;
      const body = await new Promise<string>((resolve, reject) => {
        httpsGet({ host: '127.0.0.1', port, path: '/v1/health', ca: tls.cert }, (res) => {
          let b = '';
          res.on('data', (d) => (b += String(d)));
          res.on('end', () => resolve(b));
        }).on('error', reject);
      });
      expect(JSON.parse(body)).toMatchObject({ ok: true });
      // Under TLS the session cookie is Secure.
      await createAccount(running.deps, { name: 'tls-owner', role: 'owner' }, { trusted: { password: 'a long enough password' } });
      const setCookie = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/v1/auth/login',
            method: 'POST',
            ca: tls.cert,
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(String(res.headers['set-cookie'])));
          },
        ).on('error', reject);
        req.end(JSON.stringify({ name: 'tls-owner', password: 'a long enough password' }));
      });
      expect(setCookie).toMatch(/^hub_session=hs_[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
      // Plain HTTP on that port gets no answer from the hub.
      await expect(fetch(`http://127.0.0.1:${port}/v1/health`).then((x) => x.status)).rejects.toThrow();
    } finally {
      await running.close();
    }
  });
});

describe('startHub and the demo seed', () => {
  it('listens on 127.0.0.1, serves the demo data, and a demo station enrolls and pulls its group', async () => {
    const running = await startHub({
      db: join(dir, 'demo.sqlite'),
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger,
      config: { auth: testAuthConfig },
    });
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const demo = await seedDemo(running.deps, { licensesPerCredential: 40 });
      expect(demo.credentials).toHaveLength(3);
      expect(demo.stationIds).toHaveLength(3);
      const post = async (path: string, body: unknown, token?: string) => {
        const r = await fetch(running.url + path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(body),
        });
        return (await r.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
      };
      const enrolled = await post('/v1/station/enroll', { code: demo.enrollmentCode.code });
      expect(enrolled.stationId).toBe(demo.stationIds[0]);
      const page = await post('/v1/station/pull', { cursor: null, limit: 5000 }, enrolled.token);
      expect(page.licenses).toHaveLength(42); // 40 purchased + 2 free of the group assigned to station 1
      expect(page.licenses.every((l: { mac: string | null }) => /^[0-9A-F]{12}$/.test(l.mac ?? ''))).toBe(true);
      // One account per role; each signs in with its printed password (the platform account with its second factor too).
      expect(demo.accounts.map((a) => a.role)).toEqual(['platform', 'owner', 'factory', 'auditor']);
      const signIn = (a: (typeof demo.accounts)[number]) =>
        post('/v1/auth/login', {
          name: a.name,
          password: a.password,
          ...(a.totpSecret ? { totp: totpNow(a.totpSecret, Date.now()) } : {}),
        });
      for (const a of demo.accounts) expect(await signIn(a)).toMatchObject({ account: { name: a.name, role: a.role }, pending: [] });
      // Seeding again reuses the demo factory and issues a fresh code and fresh passwords.
      const again = await seedDemo(running.deps, { licensesPerCredential: 40 });
      expect(again.factoryId).toBe(demo.factoryId);
      expect(again.enrollmentCode.code).not.toBe(demo.enrollmentCode.code);
      expect(again.accounts.map((a) => a.id)).toEqual(demo.accounts.map((a) => a.id));
      expect((await post('/v1/auth/login', { name: 'demo-owner', password: demo.accounts[1]!.password })).error.code).toBe(
        'SIGN_IN_FAILED',
      );
      expect(await signIn(again.accounts[1]!)).toMatchObject({ account: { name: 'demo-owner' } });
    } finally {
      await running.close();
    }
  });
});

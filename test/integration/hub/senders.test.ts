// Verification codes delivered for real: email through an SMTP server (smtp-server, with authentication) and SMS
// through an HTTP gateway; the code is read from what arrived and opens the download. No sender: a clear refusal.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { logRedactPaths } from '../../../common/log';
import { channelSender, consoleCodeSender, sendersFromEnv } from '../../../hub/services/sender';
import { createAccount } from '../../../hub/services/accounts';
import { csrfHeader } from '../../../common/hub-api';
import { registerSecret } from '../../support/log-sink';
import { bootHub, makeCredential, seedWorld, targets, type TestHub } from './harness';

const mails: string[] = [];
const gateway: { headers: IncomingHttpHeaders; body: string }[] = [];
let smtp: SMTPServer;
let http: Server;
let smtpPort = 0;
let httpPort = 0;
const dir = mkdtempSync(join(tmpdir(), 'hub-senders-'));

beforeAll(async () => {
  smtp = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'], allowInsecureAuth: true, disabledCommands: ['STARTTLS'], logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'hub' && auth.password === 'mail-pass') cb(null, { user: 'hub' });
      else cb(new Error('wrong user or password'));
    },
    onData(stream, _session, cb) {
      let b = '';
      stream.on('data', (d: Buffer) => (b += d.toString()));
      stream.on('end', () => {
        mails.push(b);
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  smtpPort = (smtp.server.address() as { port: number }).port;
  http = createServer((req, res) => {
    let b = '';
    req.on('data', (d: Buffer) => (b += d.toString()));
    req.on('end', () => {
      gateway.push({ headers: req.headers, body: b });
      res.writeHead(req.headers.authorization === 'Bearer gw-secret' ? 202 : 401).end('{}');
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  httpPort = (http.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((r) => smtp.close(() => r()));
  await new Promise<void>((r) => http.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

function envSenders(smsAuth = 'Bearer gw-secret') {
  const passwordFile = join(dir, 'smtp-password');
  writeFileSync(passwordFile, 'mail-pass\n', { mode: 0o600 });
  return channelSender(sendersFromEnv({
    HUB_SMTP_HOST: '127.0.0.1', HUB_SMTP_PORT: String(smtpPort), HUB_SMTP_TLS: 'none', HUB_SMTP_USER: 'hub', HUB_SMTP_PASSWORD_FILE: passwordFile, HUB_SMTP_FROM: 'hub@factory.example',
    HUB_SMS_URL: `http://127.0.0.1:${httpPort}/send`, HUB_SMS_AUTHORIZATION: smsAuth, HUB_SMS_BODY: '{"number":"{{to}}","message":"code {{code}}"}',
  }));
}

describe.each(targets())('verification codes on %s', (target) => {
  let h: TestHub | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("verifies the account's email by a code over SMTP, then sends its download codes there only; the code read from the mail opens the download", async () => {
    h = await bootHub(target, { sender: envSenders() });
    await seedWorld(h);
    const c = await makeCredential(h, { purchased: 2 });
    // An owner with no verified email yet, signed in.
    const password = 'owner-password-1234';
    registerSecret(password);
    await createAccount(h.hub.deps, { name: 'olivia', role: 'owner' }, { trusted: { password } });
    const login = await h.hub.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { name: 'olivia', password } });
    const cookie = /hub_session=[^;]*/.exec(String(login.headers['set-cookie']))![0];
    const session = { cookie, [csrfHeader]: JSON.parse(login.body).csrfToken as string };
    registerSecret(cookie);
    const as = (url: string, body: unknown) => h!.call('POST', url, body, null, session);

    const refused = await as(`/v1/admin/credentials/${c.id}/download-codes`, { channel: 'email' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('CONTACT_NOT_VERIFIED');

    const before = mails.length;
    const asked = await as('/v1/account/contact', { channel: 'email', destination: 'olivia@brand.example' });
    expect(asked.status).toBe(200);
    expect(asked.body.sentTo).toBe('o***@brand.example');
    expect(mails.length).toBe(before + 1);
    expect(mails.at(-1)).toMatch(/^To: olivia@brand\.example/m);
    const verifyCode = /code is (\d{6})/.exec(mails.at(-1)!)![1]!;
    const wrong = await as('/v1/account/contact/verify', { codeId: asked.body.codeId, code: verifyCode === '000000' ? '000001' : '000000' });
    expect(wrong.body.error.code).toBe('CONTACT_CODE_WRONG');
    const verified = await as('/v1/account/contact/verify', { codeId: asked.body.codeId, code: verifyCode });
    expect(verified.status).toBe(200);
    expect(verified.body.account).toMatchObject({ email: 'olivia@brand.example', emailVerified: true });
    expect((await as('/v1/account/contact/verify', { codeId: asked.body.codeId, code: verifyCode })).body.error.code).toBe('CONTACT_CODE_USED');

    // Another address named by the client is refused; the code goes to the verified one.
    expect((await as(`/v1/admin/credentials/${c.id}/download-codes`, { channel: 'email', destination: 'thief@elsewhere.example' })).body.error.code).toBe('CONTACT_NOT_YOURS');
    const sent = await as(`/v1/admin/credentials/${c.id}/download-codes`, { channel: 'email' });
    expect(sent.status).toBe(200);
    expect(sent.body.sentTo).toBe('o***@brand.example');
    expect(mails.length).toBe(before + 2);
    const mail = mails.at(-1)!;
    expect(mail).toMatch(/^To: olivia@brand\.example/m);
    const code = /code is (\d{6})/.exec(mail)![1]!;
    // Stored as an HMAC under the hub's secret, not as a hash anyone can reverse by trying the 10^6 codes.
    const row = await h.store.db.selectFrom('download_codes').select(['id', 'code_hash']).where('id', '=', sent.body.codeId).executeTakeFirstOrThrow();
    expect(row.code_hash).not.toBe(createHash('sha256').update(`${row.id}:${code}`).digest('hex'));
    expect(row.code_hash).not.toContain(code);
    const d = await as(`/v1/admin/credentials/${c.id}/download`, { codeId: sent.body.codeId, code });
    expect(d.status).toBe(200);
    expect(d.body.licenses).toHaveLength(2);

    // A new address is unverified again until its own code comes back.
    await as('/v1/account/contact', { channel: 'email', destination: 'olivia@new.example' });
    expect((await as(`/v1/admin/credentials/${c.id}/download-codes`, { channel: 'email' })).body.error.code).toBe('CONTACT_NOT_VERIFIED');
  });

  it("sends a station's code by SMS through the HTTP gateway, with its authorization and body template", async () => {
    h = await bootHub(target, { sender: envSenders() });
    const w = await seedWorld(h);
    const c = await makeCredential(h, { purchased: 1 });
    await h.admin('POST', `/v1/admin/credentials/${c.id}/assign`, { factoryId: w.factoryId, stationId: w.s1 });
    await h.admin('POST', `/v1/admin/stations/${w.s1}/download-contact`, { channel: 'sms', destination: '+8613800001234' });
    const code = await h.admin('POST', `/v1/admin/stations/${w.s1}/enrollment-codes`, {});
    const token = (await h.call('POST', '/v1/station/enroll', { code: code.body.code })).body.token as string;
    const sent = await h.call('POST', `/v1/station/credentials/${c.id}/download-codes`, {}, token);
    expect(sent.status).toBe(200);
    const got = gateway.at(-1)!;
    expect(got.headers.authorization).toBe('Bearer gw-secret');
    expect(got.headers['content-type']).toBe('application/json');
    const body = JSON.parse(got.body) as { number: string; message: string };
    expect(body.number).toBe('+8613800001234');
    const d = await h.call('POST', `/v1/station/credentials/${c.id}/download`, { codeId: sent.body.codeId, code: /code (\d{6})/.exec(body.message)![1] }, token);
    expect(d.status).toBe(200);
  });

  it('refuses SMTP without TLS to anything but a relay on loopback', () => {
    expect(() => sendersFromEnv({ HUB_SMTP_HOST: 'mail.example.com', HUB_SMTP_TLS: 'none' })).toThrow(expect.objectContaining({ code: 'CLI_USAGE' }));
    expect(() => sendersFromEnv({ HUB_SMTP_HOST: 'mail.example.com', HUB_SMTP_TLS: 'maybe' })).toThrow(expect.objectContaining({ code: 'CLI_USAGE' }));
    expect(sendersFromEnv({ HUB_SMTP_HOST: '127.0.0.1', HUB_SMTP_TLS: 'none' }).email).toBeDefined();
  });

  it('a gateway that refuses, or a hub with no sender, refuses to send with the reason and keeps no open code', async () => {
    h = await bootHub(target, { sender: envSenders('Bearer wrong') });
    await seedWorld(h);
    const c = await makeCredential(h, { purchased: 1 });
    const refused = await h.admin('POST', `/v1/admin/credentials/${c.id}/download-codes`, { channel: 'sms' });
    expect(refused.body.error).toMatchObject({ code: 'CODE_SEND_FAILED', message: expect.stringContaining('HTTP 401') });
    await h.close();
    h = await bootHub(target, { sender: channelSender({}) });
    await seedWorld(h);
    const c2 = await makeCredential(h, { purchased: 1 });
    for (const channel of ['email', 'sms'] as const) {
      const r = await h.admin('POST', `/v1/admin/credentials/${c2.id}/download-codes`, { channel });
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('CODE_SENDER_MISSING');
      expect(r.body.error.message).toContain(channel === 'email' ? 'HUB_SMTP_HOST' : 'HUB_SMS_URL');
    }
    expect(await h.store.db.selectFrom('download_codes').select('id').execute()).toEqual([]);
  });

  it('the development sender prints the code on the console only, never in the log', async () => {
    const printed: string[] = [];
    const lines: string[] = [];
    const logger = pino({ level: 'debug', redact: { paths: logRedactPaths, censor: '[redacted]' } }, new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } }));
    h = await bootHub(target, { sender: consoleCodeSender((l) => printed.push(l)), logger });
    await seedWorld(h);
    const c = await makeCredential(h, { purchased: 1 });
    const sent = await h.admin('POST', `/v1/admin/credentials/${c.id}/download-codes`, { channel: 'email' });
    const code = /: (\d{6})$/m.exec(printed.join(''))![1]!;
    expect((await h.admin('POST', `/v1/admin/credentials/${c.id}/download`, { codeId: sent.body.codeId, code })).status).toBe(200);
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.join('')).not.toContain(code);
  });
});

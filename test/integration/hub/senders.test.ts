// Verification codes delivered for real: email through an SMTP server (smtp-server, with authentication) and SMS
// through an HTTP gateway; the code is read from what arrived and opens the download. No sender: a clear refusal.
// Each SMTP TLS mode (none, STARTTLS, TLS from the first byte) against a real server with a self-signed certificate
// made here with openssl, and a clear SMTP_TLS_FAILED when the certificate is not trusted or the modes do not match.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
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
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
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

// ---------- SMTP over TLS ----------

const noOpenssl = 'openssl is not installed, so no certificate can be made for the test servers';
/** A self-signed certificate for 127.0.0.1 (openssl), or null without openssl. */
function selfSigned(): { cert: string; key: string; certFile: string } | null {
  const keyFile = join(dir, 'smtp-key.pem');
  const certFile = join(dir, 'smtp-cert.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
  } catch {
    return null;
  }
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile };
}

const tlsFiles = selfSigned();
/** What each TLS test server received, and whether the session was encrypted when it did. */
const tlsMails: { mode: string; secure: boolean; body: string }[] = [];
const tlsServers: Record<'starttls' | 'tls', { server: SMTPServer; port: number }> = {} as never;

async function smtpServer(mode: string, options: SMTPServerOptions): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    ...options,
    onData(stream, session, cb) {
      let b = '';
      stream.on('data', (d: Buffer) => (b += d.toString()));
      stream.on('end', () => {
        tlsMails.push({ mode, secure: session.secure, body: b });
        cb();
      });
    },
  });
  server.on('error', () => undefined); // a client that gives up on the handshake is not the server's fault
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.server.address() as { port: number }).port };
}

beforeAll(async () => {
  if (!tlsFiles) return;
  tlsServers.starttls = await smtpServer('starttls', { key: tlsFiles.key, cert: tlsFiles.cert });
  tlsServers.tls = await smtpServer('tls', { key: tlsFiles.key, cert: tlsFiles.cert, secure: true });
});
afterAll(async () => {
  for (const s of Object.values(tlsServers)) await new Promise<void>((r) => s.server.close(() => r()));
});

describe('SMTP TLS modes against a real server', () => {
  const send = (env: Record<string, string>) =>
    channelSender(sendersFromEnv({ HUB_SMTP_HOST: '127.0.0.1', HUB_SMTP_FROM: 'hub@factory.example', ...env })).send({
      channel: 'email',
      destination: 'sam@factory.example',
      code: '482913',
      purpose: 'license download',
    });
  const refusal = async (env: Record<string, string>) =>
    send(env).then(
      () => null,
      (e: { code: string; details?: { reason?: string } }) => ({ code: e.code, reason: e.details?.reason }),
    );

  it('delivers with STARTTLS and with TLS from the first byte when the certificate is trusted (HUB_SMTP_CA_FILE), encrypted; in the clear only with none', async () => {
    if (!tlsFiles) return void console.log(`[senders] SMTP TLS modes not tested: ${noOpenssl}`);
    for (const mode of ['starttls', 'tls'] as const) {
      const before = tlsMails.length;
      await send({ HUB_SMTP_PORT: String(tlsServers[mode].port), HUB_SMTP_TLS: mode, HUB_SMTP_CA_FILE: tlsFiles.certFile });
      expect(tlsMails.slice(before), mode).toEqual([{ mode, secure: true, body: expect.stringMatching(/code is 482913/) }]);
    }
    // none: the plain relay of the tests above, which offers no STARTTLS
    const before = mails.length;
    await send({ HUB_SMTP_PORT: String(smtpPort), HUB_SMTP_TLS: 'none', HUB_SMTP_USER: 'hub', HUB_SMTP_PASSWORD: 'mail-pass' });
    expect(mails.length).toBe(before + 1);
  });

  it('refuses with SMTP_TLS_FAILED naming why: an untrusted certificate in either mode, a server without STARTTLS, TLS spoken to a STARTTLS port', async () => {
    if (!tlsFiles) return void console.log(`[senders] SMTP TLS failures not tested: ${noOpenssl}`);
    const before = tlsMails.length;
    expect(await refusal({ HUB_SMTP_PORT: String(tlsServers.starttls.port), HUB_SMTP_TLS: 'starttls' })).toEqual({
      code: 'SMTP_TLS_FAILED',
      reason: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    expect(await refusal({ HUB_SMTP_PORT: String(tlsServers.tls.port), HUB_SMTP_TLS: 'tls' })).toEqual({
      code: 'SMTP_TLS_FAILED',
      reason: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    // STARTTLS required, and the server does not offer it: the hub does not fall back to the clear (nor send its password)
    expect(
      await refusal({
        HUB_SMTP_PORT: String(smtpPort),
        HUB_SMTP_TLS: 'starttls',
        HUB_SMTP_USER: 'hub',
        HUB_SMTP_PASSWORD: 'mail-pass',
        HUB_SMTP_CA_FILE: tlsFiles.certFile,
      }),
    ).toEqual({ code: 'SMTP_TLS_FAILED', reason: 'the server offers no STARTTLS' });
    expect(
      await refusal({ HUB_SMTP_PORT: String(tlsServers.starttls.port), HUB_SMTP_TLS: 'tls', HUB_SMTP_CA_FILE: tlsFiles.certFile }),
    ).toEqual({ code: 'SMTP_TLS_FAILED', reason: 'ERR_SSL_WRONG_VERSION_NUMBER' });
    expect(tlsMails.length).toBe(before);
  });

  it('reads the CA from a file and says so when it cannot', () => {
    expect(() => sendersFromEnv({ HUB_SMTP_HOST: 'mail.example.com', HUB_SMTP_CA_FILE: join(dir, 'missing.pem') })).toThrow(
      expect.objectContaining({ code: 'FILE_UNREADABLE' }),
    );
  });
});

function envSenders(smsAuth = 'Bearer gw-secret') {
  const passwordFile = join(dir, 'smtp-password');
  writeFileSync(passwordFile, 'mail-pass\n', { mode: 0o600 });
  return channelSender(
    sendersFromEnv({
      HUB_SMTP_HOST: '127.0.0.1',
      HUB_SMTP_PORT: String(smtpPort),
      HUB_SMTP_TLS: 'none',
      HUB_SMTP_USER: 'hub',
      HUB_SMTP_PASSWORD_FILE: passwordFile,
      HUB_SMTP_FROM: 'hub@factory.example',
      HUB_SMS_URL: `http://127.0.0.1:${httpPort}/send`,
      HUB_SMS_AUTHORIZATION: smsAuth,
      HUB_SMS_BODY: '{"number":"{{to}}","message":"code {{code}}"}',
    }),
  );
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
    const wrong = await as('/v1/account/contact/verify', {
      codeId: asked.body.codeId,
      code: verifyCode === '000000' ? '000001' : '000000',
    });
    expect(wrong.body.error.code).toBe('CONTACT_CODE_WRONG');
    const verified = await as('/v1/account/contact/verify', { codeId: asked.body.codeId, code: verifyCode });
    expect(verified.status).toBe(200);
    expect(verified.body.account).toMatchObject({ email: 'olivia@brand.example', emailVerified: true });
    expect((await as('/v1/account/contact/verify', { codeId: asked.body.codeId, code: verifyCode })).body.error.code).toBe(
      'CONTACT_CODE_USED',
    );

    // Another address named by the client is refused; the code goes to the verified one.
    expect(
      (await as(`/v1/admin/credentials/${c.id}/download-codes`, { channel: 'email', destination: 'thief@elsewhere.example' })).body.error
        .code,
    ).toBe('CONTACT_NOT_YOURS');
    const sent = await as(`/v1/admin/credentials/${c.id}/download-codes`, { channel: 'email' });
    expect(sent.status).toBe(200);
    expect(sent.body.sentTo).toBe('o***@brand.example');
    expect(mails.length).toBe(before + 2);
    const mail = mails.at(-1)!;
    expect(mail).toMatch(/^To: olivia@brand\.example/m);
    const code = /code is (\d{6})/.exec(mail)![1]!;
    // Stored as an HMAC under the hub's secret, not as a hash anyone can reverse by trying the 10^6 codes.
    const row = await h.store.db
      .selectFrom('download_codes')
      .select(['id', 'code_hash'])
      .where('id', '=', sent.body.codeId)
      .executeTakeFirstOrThrow();
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
    const d = await h.call(
      'POST',
      `/v1/station/credentials/${c.id}/download`,
      { codeId: sent.body.codeId, code: /code (\d{6})/.exec(body.message)![1] },
      token,
    );
    expect(d.status).toBe(200);
  });

  it('refuses SMTP without TLS to anything but a relay on loopback', () => {
    expect(() => sendersFromEnv({ HUB_SMTP_HOST: 'mail.example.com', HUB_SMTP_TLS: 'none' })).toThrow(
      expect.objectContaining({ code: 'CLI_USAGE' }),
    );
    expect(() => sendersFromEnv({ HUB_SMTP_HOST: 'mail.example.com', HUB_SMTP_TLS: 'maybe' })).toThrow(
      expect.objectContaining({ code: 'CLI_USAGE' }),
    );
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

  it('a mail server whose certificate the hub does not trust is refused with SMTP_TLS_FAILED, and no code stays open', async () => {
    if (!tlsFiles) return void console.log(`[senders] SMTP TLS through the hub not tested: ${noOpenssl}`);
    h = await bootHub(target, {
      sender: channelSender(
        sendersFromEnv({ HUB_SMTP_HOST: '127.0.0.1', HUB_SMTP_PORT: String(tlsServers.starttls.port), HUB_SMTP_TLS: 'starttls' }),
      ),
    });
    await seedWorld(h);
    const c = await makeCredential(h, { purchased: 1 });
    const r = await h.admin('POST', `/v1/admin/credentials/${c.id}/download-codes`, { channel: 'email' });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'SMTP_TLS_FAILED', details: { reason: 'DEPTH_ZERO_SELF_SIGNED_CERT' } });
    expect(await h.store.db.selectFrom('download_codes').select('id').execute()).toEqual([]);
  });

  it('the development sender prints the code on the console only, never in the log', async () => {
    const printed: string[] = [];
    const lines: string[] = [];
    const logger = pino(
      { level: 'debug', redact: { paths: logRedactPaths, censor: '[redacted]' } },
      new Writable({
        write(chunk, _e, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
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

/**
 * How one-time codes reach people: email over SMTP (nodemailer), SMS through an HTTP gateway, or, only when chosen
 * explicitly (`hub start --dev-sender`, the demo), the console. A hub with no sender refuses to send codes. No
 * sender ever writes a code to the log.
 */
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { AppError } from '../../common/errors';

export interface CodeMessage {
  channel: 'email' | 'sms';
  destination: string;
  code: string;
  purpose: string;
}

/** Sends a one-time code to a phone or a mailbox. */
export interface CodeSender {
  send(message: CodeMessage): Promise<void>;
}

export interface SmtpConfig {
  host: string;
  port: number;
  /** 'tls': TLS from the first byte (port 465); 'starttls': upgrade, required (587); 'none': loopback relays only. */
  tls: 'tls' | 'starttls' | 'none';
  user?: string;
  password?: string;
  from: string;
  /** PEM certificate(s) of a private CA the mail server's certificate comes from (else the system's CAs). */
  ca?: string | Buffer;
}

export interface SmsGatewayConfig {
  /** The gateway's endpoint; the hub POSTs one request per code. */
  url: string;
  /** The Authorization header's value, if the gateway wants one. */
  authorization?: string;
  /** The request body, with {{to}}, {{code}} and {{purpose}} replaced (JSON-escaped when the content type is JSON). */
  bodyTemplate: string;
  contentType: string;
}

export const codeText = (m: CodeMessage): string =>
  `Your ${m.purpose} code is ${m.code}. It is valid for 10 minutes and works once. If you did not ask for it, tell your hub administrator.`;

export function smtpCodeSender(cfg: SmtpConfig): CodeSender {
  const transport = nodemailer.createTransport({
    host: cfg.host,
    port: cfg.port,
    secure: cfg.tls === 'tls',
    requireTLS: cfg.tls === 'starttls',
    ignoreTLS: cfg.tls === 'none',
    ...(cfg.user ? { auth: { user: cfg.user, pass: cfg.password ?? '' } } : {}),
    ...(cfg.ca ? { tls: { ca: cfg.ca } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
    logger: false,
    debug: false,
  });
  return {
    async send(m) {
      if (m.channel !== 'email') throw senderMissing(m.channel);
      try {
        await transport.sendMail({ from: cfg.from, to: m.destination, subject: `Your ${m.purpose} code`, text: codeText(m) });
      } catch (e) {
        const tlsFault = tlsFailure(e);
        if (tlsFault) {
          throw new AppError(
            'SMTP_TLS_FAILED',
            `The mail server's TLS could not be set up (${tlsFault}): check HUB_SMTP_TLS (tls for port 465, starttls for 587) and that the server's certificate is trusted (HUB_SMTP_CA_FILE for a private CA).`,
            { channel: 'email', reason: tlsFault },
          );
        }
        // The server's words may quote the message; only its kind is told.
        throw new AppError(
          'CODE_SEND_FAILED',
          `The mail server did not take the code (${(e as { code?: string }).code ?? 'error'}): try again, or tell the hub administrator.`,
          { channel: 'email' },
        );
      }
    },
  };
}

/**
 * Why TLS with the mail server failed, or null when it was not TLS: the certificate not trusted (an OpenSSL
 * verification code such as DEPTH_ZERO_SELF_SIGNED_CERT, or a name mismatch), TLS spoken to a plain port
 * (ERR_SSL_*), or a server that offers no STARTTLS when it is required (nodemailer's ETLS).
 */
function tlsFailure(e: unknown): string | null {
  const err = e as { code?: string; originalCode?: string };
  if (err.code === 'ETLS') return 'the server offers no STARTTLS';
  const c = err.originalCode ?? '';
  if (/CERT|SIGNATURE|ISSUER|^ERR_SSL_|^ERR_TLS_/.test(c)) return c;
  return null;
}

export function smsGatewaySender(cfg: SmsGatewayConfig): CodeSender {
  const json = /json/i.test(cfg.contentType);
  const fill = (m: CodeMessage): string =>
    cfg.bodyTemplate.replace(/\{\{(to|code|purpose)\}\}/g, (_, k: string) => {
      const v = k === 'to' ? m.destination : k === 'code' ? m.code : m.purpose;
      return json ? JSON.stringify(v).slice(1, -1) : encodeURIComponent(v);
    });
  return {
    async send(m) {
      if (m.channel !== 'sms') throw senderMissing(m.channel);
      let status = 0;
      try {
        const r = await fetch(cfg.url, {
          method: 'POST',
          headers: { 'content-type': cfg.contentType, ...(cfg.authorization ? { authorization: cfg.authorization } : {}) },
          body: fill(m),
          signal: AbortSignal.timeout(15_000),
        });
        status = r.status;
        await r.arrayBuffer();
      } catch {
        status = 0;
      }
      if (status < 200 || status >= 300)
        throw new AppError(
          'CODE_SEND_FAILED',
          `The SMS gateway did not take the code (${status === 0 ? 'unreachable' : `HTTP ${status}`}): try again, or tell the hub administrator.`,
          { channel: 'sms' },
        );
    },
  };
}

const senderMissing = (channel: string): AppError =>
  new AppError(
    'CODE_SENDER_MISSING',
    `This hub cannot send codes by ${channel === 'sms' ? 'SMS' : 'email'}: its administrator has not set up ${channel === 'sms' ? 'an SMS gateway (HUB_SMS_URL)' : 'a mail server (HUB_SMTP_HOST)'}.`,
    { channel },
  );

/** Email to the SMTP sender, SMS to the gateway; a channel without one is refused with the reason. */
export const channelSender = (senders: { email?: CodeSender; sms?: CodeSender }): CodeSender => ({
  send(m) {
    const s = senders[m.channel];
    return s ? s.send(m) : Promise.reject(senderMissing(m.channel));
  },
});

/** Development only, chosen explicitly: the code is printed (never logged). */
export const consoleCodeSender = (write: (line: string) => void = (l) => process.stdout.write(l)): CodeSender => ({
  send(m) {
    write(`[dev sender] ${m.purpose} code for ${m.destination}: ${m.code}\n`);
    return Promise.resolve();
  },
});

function readConfigFile(file: string, variable: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new AppError('FILE_UNREADABLE', `Cannot read ${variable} (${file}).`, { path: file });
  }
}

function secret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  return file ? readConfigFile(file, `${name}_FILE`).trim() : env[name];
}

/**
 * The senders the environment sets up: SMTP from HUB_SMTP_HOST, HUB_SMTP_PORT, HUB_SMTP_TLS (tls|starttls|none),
 * HUB_SMTP_USER, HUB_SMTP_PASSWORD[_FILE], HUB_SMTP_FROM, HUB_SMTP_CA_FILE; SMS from HUB_SMS_URL, HUB_SMS_AUTHORIZATION[_FILE],
 * HUB_SMS_BODY (template), HUB_SMS_CONTENT_TYPE. Secrets only from the environment or a file.
 */
export function sendersFromEnv(env: NodeJS.ProcessEnv = process.env): { email?: CodeSender; sms?: CodeSender } {
  const out: { email?: CodeSender; sms?: CodeSender } = {};
  if (env.HUB_SMTP_HOST) {
    const tls = (env.HUB_SMTP_TLS ?? 'starttls') as SmtpConfig['tls'];
    if (!['tls', 'starttls', 'none'].includes(tls)) throw new AppError('CLI_USAGE', 'HUB_SMTP_TLS is tls, starttls or none.');
    if (tls === 'none' && !/^(localhost|::1|127\.\d+\.\d+\.\d+)$/.test(env.HUB_SMTP_HOST)) {
      throw new AppError(
        'CLI_USAGE',
        `HUB_SMTP_TLS=none sends codes and the mail password in the clear: it is allowed only for a relay on loopback, not ${env.HUB_SMTP_HOST}.`,
      );
    }
    const port = Number(env.HUB_SMTP_PORT ?? (tls === 'tls' ? 465 : 587));
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new AppError('CLI_USAGE', 'HUB_SMTP_PORT is a port number.');
    const password = secret(env, 'HUB_SMTP_PASSWORD');
    const ca = env.HUB_SMTP_CA_FILE ? readConfigFile(env.HUB_SMTP_CA_FILE, 'HUB_SMTP_CA_FILE') : undefined;
    out.email = smtpCodeSender({
      host: env.HUB_SMTP_HOST,
      port,
      tls,
      from: env.HUB_SMTP_FROM ?? `credential hub <hub@${env.HUB_SMTP_HOST}>`,
      ...(env.HUB_SMTP_USER ? { user: env.HUB_SMTP_USER } : {}),
      ...(password ? { password } : {}),
      ...(ca ? { ca } : {}),
    });
  }
  if (env.HUB_SMS_URL) {
    const authorization = secret(env, 'HUB_SMS_AUTHORIZATION');
    out.sms = smsGatewaySender({
      url: env.HUB_SMS_URL,
      bodyTemplate: env.HUB_SMS_BODY ?? '{"to":"{{to}}","text":"Your {{purpose}} code is {{code}}"}',
      contentType: env.HUB_SMS_CONTENT_TYPE ?? 'application/json',
      ...(authorization ? { authorization } : {}),
    });
  }
  return out;
}

/** Shows where a code went without revealing the whole address. */
export function maskDestination(destination: string): string {
  const at = destination.indexOf('@');
  if (at > 0) return `${destination.slice(0, 1)}***${destination.slice(at)}`;
  return destination.length <= 4 ? '****' : `***${destination.slice(-4)}`;
}

/**
 * One log sink for the whole test suite: every logger a test makes through `sinkLogger()` writes here (pino,
 * debug level, the production redaction), and every secret a test meets (authkeys, tokens, codes, passwords)
 * is registered with `registerSecret`. After each test file, test/support/log-secrets.setup.ts fails the file
 * if any registered secret appears in any line written.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { logRedactPaths } from '../../common/log';

const lines: string[] = [];
const secrets = new Set<string>();

/** Values shorter than this are not searched for (they would match by chance: a 6-digit code is the shortest kept). */
const minLength = 6;

export function registerSecret(value: string | null | undefined): void {
  if (typeof value === 'string' && value.length >= minLength) secrets.add(value);
}

/** A value registered only to show where log lines come from (a test of the sink itself), forgotten again. */
export function forgetSecret(value: string): void {
  secrets.delete(value);
}

/** Keys whose string values in a reply or a request are secrets. */
const secretKey = /^(token|code|authkey|password|oneTimePassword|apiKey|secret|pin|currentPassword|newPassword|csrfToken|totp)$/i;

/** Registers every secret-looking field of a JSON value (an `error` object's code is not one). */
export function registerSecretsIn(value: unknown, parentKey = ''): void {
  if (Array.isArray(value)) for (const v of value) registerSecretsIn(v, parentKey);
  else if (value && typeof value === 'object') {
    if (parentKey === 'error') return;
    for (const [k, v] of Object.entries(value)) {
      // An upper-case `code` is an error or refusal code (LICENSE_NOT_HELD), not a secret.
      if (typeof v === 'string' && secretKey.test(k)) {
        if (!/^[A-Z][A-Z0-9_]+$/.test(v)) registerSecret(v);
      } else registerSecretsIn(v, k);
    }
  }
}

const sink = new Writable({
  write(chunk, _enc, cb) {
    lines.push(String(chunk));
    cb();
  },
});

/**
 * For a process the tests start (a hub as a child process): feed it what the process writes, chunk by chunk; each
 * whole line joins the sink (a secret split across two chunks is still found). `end()` adds an unfinished last line.
 */
export function processLogLines(): { write(chunk: Buffer | string): void; end(): void } {
  let partial = '';
  return {
    write(chunk) {
      const parts = (partial + String(chunk)).split('\n');
      partial = parts.pop()!;
      for (const line of parts) if (line) lines.push(line);
    },
    end() {
      if (partial) lines.push(partial);
      partial = '';
    },
  };
}

let shared: pino.Logger | undefined;
/** The suite's logger: pino with the production redaction, into the shared sink. */
export function sinkLogger(): pino.Logger {
  shared ??= pino({ level: 'debug', redact: { paths: logRedactPaths, censor: '[redacted]' } }, sink);
  return shared;
}

export interface LogLeak {
  secret: string;
  line: string;
}

/** Every registered secret found in a written log line (the secret is shown masked). */
export function findSecretsInLog(): LogLeak[] {
  const found: LogLeak[] = [];
  if (secrets.size === 0) return found;
  // Whole tokens only: a 6-digit code must not match inside a timestamp or a duration.
  const patterns = [...secrets].map((s) => ({
    s,
    re: new RegExp(`(?<![0-9A-Za-z.])${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![0-9A-Za-z])`),
  }));
  for (const line of lines) {
    for (const { s, re } of patterns)
      if (line.includes(s) && re.test(line)) found.push({ secret: `${s.slice(0, 2)}…(${s.length})`, line: line.slice(0, 300) });
  }
  return found;
}

export const logLineCount = (): number => lines.length;

/** For the sink's own test: forget what was written and registered. */
export function resetLogSink(): void {
  lines.length = 0;
  secrets.clear();
}

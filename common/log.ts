/**
 * The logger's shape (pino's subset we use) and what it must never print.
 * Each process creates one pino instance with `logRedactPaths`.
 */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export const logRedactPaths = [
  'authkey',
  '*.authkey',
  'auzkey',
  '*.auzkey',
  'token',
  '*.token',
  'passphrase',
  '*.passphrase',
  'pin',
  '*.pin',
  'headers.authorization',
  'req.headers.authorization',
];

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

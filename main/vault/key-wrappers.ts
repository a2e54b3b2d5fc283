import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { AppError } from '../../common/errors';

/**
 * How the vault's data key is kept at rest. The wrapped form is stored in the
 * vault file next to the licenses; only the wrapper can turn it back into the key.
 */
export interface WrappedKey {
  kind: string;
  [field: string]: unknown;
}

export interface KeyWrapper {
  /** Stored with the wrap, so an unlock with the wrong kind of wrapper is told what to use. */
  readonly kind: string;
  wrap(dataKey: Buffer): Promise<WrappedKey>;
  /** Rejects with an AppError (WRONG_PASSPHRASE, KEY_UNWRAP_FAILED, ...) rather than return a wrong key. */
  unwrap(wrapped: WrappedKey): Promise<Buffer>;
}

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** About 100 ms and 32 MiB on a factory PC: slow for guessing, quick for an operator. */
export const defaultScryptParams: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const WRAP_AAD = Buffer.from('credential-station vault data key v1', 'utf8');
export const MIN_PASSPHRASE_LENGTH = 8;

interface PassphraseWrap extends WrappedKey {
  kind: 'passphrase';
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  nonce: string;
  tag: string;
  key: string;
}

function deriveKey(passphrase: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFKC'), salt, 32, { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** A station passphrase stretched with scrypt; the parameters travel with the wrap. */
export class PassphraseWrapper implements KeyWrapper {
  readonly kind = 'passphrase';
  readonly #passphrase: string;
  readonly #params: ScryptParams;

  constructor(passphrase: string, params: ScryptParams = defaultScryptParams) {
    this.#passphrase = passphrase;
    this.#params = params;
  }

  async wrap(dataKey: Buffer): Promise<PassphraseWrap> {
    if (this.#passphrase.length < MIN_PASSPHRASE_LENGTH) {
      throw new AppError(
        'PASSPHRASE_TOO_SHORT',
        `The station passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters; choose a longer one.`,
      );
    }
    const salt = randomBytes(16);
    const nonce = randomBytes(12);
    const kek = await deriveKey(this.#passphrase, salt, this.#params);
    const cipher = createCipheriv('aes-256-gcm', kek, nonce);
    cipher.setAAD(WRAP_AAD);
    const key = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    const { N, r, p } = this.#params;
    return {
      kind: 'passphrase',
      kdf: 'scrypt',
      N,
      r,
      p,
      salt: salt.toString('base64'),
      nonce: nonce.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      key: key.toString('base64'),
    };
  }

  async unwrap(wrapped: WrappedKey): Promise<Buffer> {
    const w = wrapped as PassphraseWrap;
    if (w.kind !== 'passphrase' || w.kdf !== 'scrypt' || ![w.N, w.r, w.p].every((x) => Number.isInteger(x) && x > 0)) {
      throw new AppError(
        'VAULT_TAMPERED',
        'The vault key record is damaged (unknown passphrase parameters); restore the vault from a backup.',
      );
    }
    const kek = await deriveKey(this.#passphrase, Buffer.from(w.salt, 'base64'), { N: w.N, r: w.r, p: w.p });
    try {
      const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(w.nonce, 'base64'));
      decipher.setAAD(WRAP_AAD);
      decipher.setAuthTag(Buffer.from(w.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(w.key, 'base64')), decipher.final()]);
    } catch (cause) {
      throw new AppError('WRONG_PASSPHRASE', 'The passphrase does not unlock this vault; check it and try again.', undefined, { cause });
    }
  }
}

/** The subset of Electron's `safeStorage` the vault needs (the shell passes the real one). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/** The OS keychain (DPAPI, Keychain, libsecret) through Electron's safeStorage. */
export class SafeStorageWrapper implements KeyWrapper {
  readonly kind = 'safe-storage';
  readonly #storage: SafeStorageLike;

  constructor(storage: SafeStorageLike) {
    this.#storage = storage;
  }

  #requireAvailable(): void {
    if (!this.#storage.isEncryptionAvailable()) {
      throw new AppError(
        'SAFE_STORAGE_UNAVAILABLE',
        'The operating system offers no key storage here; protect the vault with a station passphrase instead.',
      );
    }
  }

  async wrap(dataKey: Buffer): Promise<WrappedKey> {
    this.#requireAvailable();
    return { kind: 'safe-storage', blob: this.#storage.encryptString(dataKey.toString('base64')).toString('base64') };
  }

  async unwrap(wrapped: WrappedKey): Promise<Buffer> {
    this.#requireAvailable();
    if (wrapped.kind !== 'safe-storage' || typeof wrapped.blob !== 'string') {
      throw new AppError('VAULT_TAMPERED', 'The vault key record is damaged; restore the vault from a backup.');
    }
    let text: string;
    try {
      text = this.#storage.decryptString(Buffer.from(wrapped.blob, 'base64'));
    } catch (cause) {
      throw new AppError(
        'KEY_UNWRAP_FAILED',
        "This computer's key storage cannot open the vault key (another user or another machine?); unlock on the station that created the vault.",
        undefined,
        { cause },
      );
    }
    const key = Buffer.from(text, 'base64');
    if (key.length !== 32)
      throw new AppError(
        'KEY_UNWRAP_FAILED',
        "This computer's key storage returned a wrong vault key; unlock on the station that created the vault.",
      );
    return key;
  }
}

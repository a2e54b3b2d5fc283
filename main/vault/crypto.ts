import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { AppError } from '../../common/errors';

/**
 * Sealing with the vault's data key: AES-256-GCM, a random 96-bit nonce per
 * value, and associated data that binds each ciphertext to what it belongs to
 * (a license's uuid, a secret's name), so a sealed authkey copied onto another
 * row does not open. The one sealer of the station: DataKey uses it, and so
 * does the import's seal worker (seal-worker.ts), which loads this module.
 *
 * Layout of a sealed value: nonce (12) | tag (16) | ciphertext.
 */
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const DATA_KEY_BYTES = 32;
/** The associated data of a license's authkey is this prefix and its uuid. */
export const LICENSE_AAD_PREFIX = 'license:';

const licenseAad = (uuid: string): Buffer => Buffer.from(LICENSE_AAD_PREFIX + uuid, 'utf8');
const secretAad = (name: string): Buffer => Buffer.from(`secret:${name}`, 'utf8');
const KEY_CHECK_AAD = Buffer.from('vault-key-check:v1', 'utf8');
const KEY_CHECK_PLAIN = Buffer.from('credential-station vault key', 'utf8');

/** Seals `plain` under `key` with `nonce` and `aad`, and writes nonce | tag | ciphertext into `out` at `at`. */
export function sealInto(key: KeyObject, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array, out: Buffer, at: number): void {
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = cipher.update(plain);
  cipher.final();
  out.set(nonce, at);
  cipher.getAuthTag().copy(out, at + NONCE_BYTES);
  body.copy(out, at + NONCE_BYTES + TAG_BYTES);
}

export class DataKey {
  readonly #key: KeyObject;
  // Nonces are drawn from a pooled random buffer: one syscall per 4096 seals, not per seal.
  #pool = Buffer.alloc(0);
  #poolAt = 0;

  constructor(raw: Buffer) {
    if (raw.length !== DATA_KEY_BYTES)
      throw new AppError('VAULT_TAMPERED', 'The vault key has the wrong length; the vault file is damaged.');
    this.#key = createSecretKey(raw);
  }

  static generate(): { key: DataKey; raw: Buffer } {
    const raw = randomBytes(DATA_KEY_BYTES);
    return { key: new DataKey(raw), raw };
  }

  /** The raw key, only to wrap it again (a passphrase change). */
  exportRaw(): Buffer {
    return this.#key.export();
  }

  sealAuthkey(uuid: string, authkey: string): Buffer {
    return this.#seal(Buffer.from(authkey, 'utf8'), licenseAad(uuid));
  }

  openAuthkey(uuid: string, sealed: Uint8Array): string {
    return this.#open(sealed, licenseAad(uuid), `the authkey of license ${uuid}`).toString('utf8');
  }

  sealSecret(name: string, value: string): Buffer {
    return this.#seal(Buffer.from(value, 'utf8'), secretAad(name));
  }

  openSecret(name: string, sealed: Uint8Array): string {
    return this.#open(sealed, secretAad(name), `the secret "${name}"`).toString('utf8');
  }

  /** A known value sealed at creation: proves at unlock that the unwrapped key is the vault's. */
  sealKeyCheck(): Buffer {
    return this.#seal(KEY_CHECK_PLAIN, KEY_CHECK_AAD);
  }

  matchesKeyCheck(sealed: Uint8Array): boolean {
    try {
      return this.#open(sealed, KEY_CHECK_AAD, 'the key check').equals(KEY_CHECK_PLAIN);
    } catch {
      return false;
    }
  }

  #nonce(): Buffer {
    if (this.#poolAt + NONCE_BYTES > this.#pool.length) {
      this.#pool = randomBytes(NONCE_BYTES * 4096);
      this.#poolAt = 0;
    }
    const nonce = this.#pool.subarray(this.#poolAt, this.#poolAt + NONCE_BYTES);
    this.#poolAt += NONCE_BYTES;
    return nonce;
  }

  #seal(plain: Buffer, aad: Buffer): Buffer {
    // GCM's ciphertext is as long as the plain text.
    const out = Buffer.allocUnsafe(NONCE_BYTES + TAG_BYTES + plain.length);
    sealInto(this.#key, this.#nonce(), aad, plain, out, 0);
    return out;
  }

  #open(sealed: Uint8Array, aad: Buffer, what: string): Buffer {
    const buf = Buffer.isBuffer(sealed) ? sealed : Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (buf.length < NONCE_BYTES + TAG_BYTES)
      throw new AppError(
        'VAULT_TAMPERED',
        `The vault holds a damaged value for ${what}; restore the vault from a backup or void the license.`,
      );
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, buf.subarray(0, NONCE_BYTES));
      decipher.setAAD(aad);
      decipher.setAuthTag(buf.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(buf.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]);
    } catch (cause) {
      throw new AppError(
        'VAULT_TAMPERED',
        `The vault's copy of ${what} was altered (it fails its integrity check); restore the vault from a backup or void the license.`,
        undefined,
        { cause },
      );
    }
  }
}

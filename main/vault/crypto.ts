import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { AppError } from '../../common/errors';

/**
 * Sealing with the vault's data key: AES-256-GCM, a random 96-bit nonce per
 * value, and associated data that binds each ciphertext to what it belongs to
 * (a license's uuid, a secret's name), so a sealed authkey copied onto another
 * row does not open.
 *
 * Layout of a sealed value: nonce (12) | tag (16) | ciphertext.
 */
const NONCE = 12;
const TAG = 16;
export const DATA_KEY_BYTES = 32;

const licenseAad = (uuid: string): Buffer => Buffer.from(`license:${uuid}`, 'utf8');
const secretAad = (name: string): Buffer => Buffer.from(`secret:${name}`, 'utf8');
const KEY_CHECK_AAD = Buffer.from('vault-key-check:v1', 'utf8');
const KEY_CHECK_PLAIN = Buffer.from('credential-station vault key', 'utf8');

export class DataKey {
  readonly #key: KeyObject;
  // Nonces are drawn from a pooled random buffer: one syscall per 4096 seals, not per seal.
  #pool = Buffer.alloc(0);
  #poolAt = 0;

  constructor(raw: Buffer) {
    if (raw.length !== DATA_KEY_BYTES) throw new AppError('VAULT_TAMPERED', 'The vault key has the wrong length; the vault file is damaged.');
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
    if (this.#poolAt + NONCE > this.#pool.length) {
      this.#pool = randomBytes(NONCE * 4096);
      this.#poolAt = 0;
    }
    const nonce = this.#pool.subarray(this.#poolAt, this.#poolAt + NONCE);
    this.#poolAt += NONCE;
    return nonce;
  }

  #seal(plain: Buffer, aad: Buffer): Buffer {
    const nonce = this.#nonce();
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(aad);
    const body = cipher.update(plain);
    cipher.final();
    return Buffer.concat([nonce, cipher.getAuthTag(), body], NONCE + TAG + body.length);
  }

  #open(sealed: Uint8Array, aad: Buffer, what: string): Buffer {
    const buf = Buffer.isBuffer(sealed) ? sealed : Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (buf.length < NONCE + TAG) throw new AppError('VAULT_TAMPERED', `The vault holds a damaged value for ${what}; restore the vault from a backup or void the license.`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, buf.subarray(0, NONCE));
      decipher.setAAD(aad);
      decipher.setAuthTag(buf.subarray(NONCE, NONCE + TAG));
      return Buffer.concat([decipher.update(buf.subarray(NONCE + TAG)), decipher.final()]);
    } catch (cause) {
      throw new AppError('VAULT_TAMPERED', `The vault's copy of ${what} was altered (it fails its integrity check); restore the vault from a backup or void the license.`, undefined, { cause });
    }
  }
}

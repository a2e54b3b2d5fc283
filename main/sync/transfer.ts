import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { z } from 'zod';
import { AppError } from '../../common/errors';
import { newId } from '../../common/ids';
import { authkeySchema, macSchema, uuidSchema } from '../../common/license';
import { canonicalJson } from '../vault';
import type { SyncContext } from './context';
import { supervisorOf } from './operations';

/**
 * Transfer bundles: licenses carried on a file between two stations that are
 * both offline. The file is AES-256-GCM with a key stretched by scrypt from a
 * one-time passphrase the source shows once; the header is authenticated too,
 * so any changed byte is refused. The licenses are tombstoned at the source in
 * the transaction that writes the file; the target accepts a bundle once.
 */

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}
export const defaultBundleCost: ScryptCost = { N: 2 ** 15, r: 8, p: 1 };

const headerSchema = z.strictObject({
  bundleId: z.uuid(),
  sourceStationId: z.uuid(),
  sourceStationName: z.string().max(120).nullable(),
  group: z.strictObject({ id: z.uuid(), name: z.string().max(200), pid: z.string().max(32).nullable() }),
  licenses: z.number().int().positive(),
  createdAt: z.string(),
});
export type BundleHeader = z.infer<typeof headerSchema>;

const fileSchema = z.strictObject({
  format: z.literal('credential-station-transfer'),
  version: z.literal(1),
  header: headerSchema,
  kdf: z.strictObject({ salt: z.string(), N: z.number().int(), r: z.number().int(), p: z.number().int() }),
  keyCheck: z.string(),
  nonce: z.string(),
  ciphertext: z.string(),
  tag: z.string(),
});

const payloadSchema = z.strictObject({
  licenses: z.array(z.strictObject({ uuid: uuidSchema, authkey: authkeySchema, mac: macSchema.nullable(), free: z.boolean() })).min(1),
});

// A person reads the passphrase out or types it: no 0/O/1/I/L.
const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export function newBundlePassphrase(): string {
  const groups: string[] = [];
  for (let g = 0; g < 6; g++) {
    let s = '';
    for (let i = 0; i < 4; i++) s += alphabet[randomInt(alphabet.length)];
    groups.push(s);
  }
  return groups.join('-');
}
const normalisePassphrase = (p: string): string => p.toUpperCase().replace(/[^0-9A-Z]/g, '');

function deriveKeys(passphrase: string, salt: Buffer, cost: ScryptCost): Promise<{ enc: Buffer; check: Buffer }> {
  return new Promise((resolve, reject) => {
    scrypt(normalisePassphrase(passphrase), salt, 64, { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 }, (err, key) => {
      if (err)
        reject(
          new AppError('BUNDLE_UNREADABLE', 'The bundle asks for key settings this station cannot use; export it again.', undefined, {
            cause: err,
          }),
        );
      else resolve({ enc: key.subarray(0, 32), check: key.subarray(32) });
    });
  });
}
const keyCheckOf = (check: Buffer, header: BundleHeader): Buffer => createHmac('sha256', check).update(canonicalJson(header)).digest();

export interface ExportInput {
  groupId: string;
  /** How many available licenses (default: all of them). */
  count?: number;
  /** Where the file goes; it must not exist yet. */
  filePath: string;
  cost?: ScryptCost;
  stationName?: string | null;
  /** The supervisor who exports (the hub's audit names them). */
  by?: string | null;
}

export interface ExportResult {
  bundleId: string;
  filePath: string;
  licenses: number;
  /** Shown once to the supervisor; the target needs it to open the file. */
  passphrase: string;
  operationId: string;
}

export async function exportBundle(ctx: SyncContext, input: ExportInput): Promise<ExportResult> {
  const { store, vault } = ctx;
  const group = vault.getGroup(input.groupId);
  if (group.hubCredentialId === null)
    throw new AppError(
      'GROUP_NOT_FROM_HUB',
      `Group "${group.name}" was not received from the hub: only hub licenses can move in a bundle.`,
      { groupId: group.id },
    );
  if (group.state === 'blocked')
    throw new AppError(
      'GROUP_BLOCKED',
      `Group "${group.name}" is blocked (${group.blockedReason ?? 'no reason given'}): its licenses cannot be moved now.`,
      { groupId: group.id },
    );
  if (input.count !== undefined && (!Number.isInteger(input.count) || input.count < 1))
    throw new AppError('BUNDLE_SIZE_INVALID', 'Say how many licenses go in the bundle: a whole number, at least 1.');
  if (existsSync(input.filePath))
    throw new AppError('FILE_EXISTS', `${input.filePath} already exists: pick a new file name, a bundle never overwrites a file.`);
  const passphrase = newBundlePassphrase();
  const cost = input.cost ?? defaultBundleCost;
  const salt = randomBytes(16);
  const keys = await deriveKeys(passphrase, salt, cost);
  const bundleId = newId();
  const operationId = newId();
  const tmp = `${input.filePath}.${bundleId}.part`;
  let count = 0;
  try {
    store.tx(() => {
      const available = store.availableLicenses(group.id);
      const take = available.slice(0, input.count ?? available.length);
      if (take.length === 0 || (input.count !== undefined && take.length < input.count)) {
        throw new AppError(
          'NOT_ENOUGH_LICENSES',
          `Group "${group.name}" has ${available.length} unused licenses here: put at most that many in the bundle.`,
          { groupId: group.id },
        );
      }
      const held = new Map(store.heldLicenses(take.map((l) => l.uuid)).map((h) => [h.uuid, h]));
      const licenses = take.map((l) => {
        const h = held.get(l.uuid)!;
        return { uuid: l.uuid, authkey: vault.openAuthkey(l.uuid, h.sealed), mac: h.mac, free: l.free };
      });
      const header: BundleHeader = {
        bundleId,
        sourceStationId: ctx.stationId,
        sourceStationName: input.stationName ?? null,
        group: { id: group.hubCredentialId ?? group.id, name: group.name, pid: group.pid },
        licenses: licenses.length,
        createdAt: new Date(ctx.clock.now()).toISOString(),
      };
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keys.enc, nonce);
      cipher.setAAD(Buffer.from(canonicalJson(header)));
      const ciphertext = Buffer.concat([cipher.update(JSON.stringify({ licenses }), 'utf8'), cipher.final()]);
      const file = {
        format: 'credential-station-transfer',
        version: 1,
        header,
        kdf: { salt: salt.toString('base64'), ...cost },
        keyCheck: keyCheckOf(keys.check, header).toString('base64'),
        nonce: nonce.toString('base64'),
        ciphertext: ciphertext.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
      };
      // Tombstone first, in this transaction; the file is on disk (fsync) before the transaction commits.
      const removed = store.removeAvailable(take.map((l) => l.uuid));
      if (removed.length !== take.length)
        throw new AppError('CONCURRENT_CHANGE', 'Licenses of the group changed while the bundle was made; try again.');
      store.tombstone(removed, bundleId, group.id);
      const uuids = removed;
      store.insertOperation({
        id: operationId,
        kind: 'transfer_out',
        groupId: group.id,
        summary: `Bundle of ${uuids.length} licenses of "${group.name}" exported`,
        detail: { bundleId, uuids },
      });
      store.enqueue({
        key: `transfer_out-${bundleId}`,
        kind: 'transfer_out',
        opId: operationId,
        payload: { bundleId, credentialId: header.group.id, uuids, at: ctx.clock.now(), ...supervisorOf(input.by) },
      });
      vault.audit.append({ action: 'sync.bundle-exported', groupId: group.id, detail: { bundleId, licenses: uuids.length } });
      writeDurably(tmp, JSON.stringify(file));
      count = uuids.length;
    });
  } catch (e) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw e;
  }
  renameSync(tmp, input.filePath);
  ctx.logger.info({ bundleId, groupId: group.id, licenses: count }, 'transfer bundle exported');
  return { bundleId, filePath: input.filePath, licenses: count, passphrase, operationId };
}

function writeDurably(path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface ImportResult {
  bundleId: string;
  groupId: string;
  licenses: number;
  sourceStationId: string;
  operationId: string;
}

/** Opens a bundle (refused if changed, if the passphrase is wrong, or if this station already took it) and adds its licenses. */
export async function importBundle(
  ctx: SyncContext,
  filePath: string,
  passphrase: string,
  by: string | null = null,
): Promise<ImportResult> {
  const { store, vault } = ctx;
  let parsed: z.infer<typeof fileSchema>;
  try {
    parsed = fileSchema.parse(JSON.parse(readFileSync(filePath, 'utf8')));
  } catch (cause) {
    if (cause instanceof Error && 'code' in cause && cause.code === 'ENOENT')
      throw new AppError('FILE_NOT_FOUND', `There is no file ${filePath}.`);
    throw new AppError(
      'BUNDLE_TAMPERED',
      'This file is not a transfer bundle, or it was changed after it was made: it is refused. Ask for a new bundle.',
      undefined,
      { cause },
    );
  }
  const { header } = parsed;
  const keys = await deriveKeys(passphrase, Buffer.from(parsed.kdf.salt, 'base64'), { N: parsed.kdf.N, r: parsed.kdf.r, p: parsed.kdf.p });
  const expected = keyCheckOf(keys.check, header);
  const given = Buffer.from(parsed.keyCheck, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AppError(
      'BUNDLE_PASSPHRASE_WRONG',
      'The passphrase does not open this bundle (or its header was changed): check it with the station that made it.',
    );
  }
  let payload: z.infer<typeof payloadSchema>;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.enc, Buffer.from(parsed.nonce, 'base64'));
    decipher.setAAD(Buffer.from(canonicalJson(header)));
    decipher.setAuthTag(Buffer.from(parsed.tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(parsed.ciphertext, 'base64')), decipher.final()]);
    payload = payloadSchema.parse(JSON.parse(plain.toString('utf8')));
  } catch (cause) {
    throw new AppError(
      'BUNDLE_TAMPERED',
      'The bundle was changed after it was made (its contents fail the integrity check): it is refused. Ask for a new bundle.',
      undefined,
      { cause },
    );
  }
  if (payload.licenses.length !== header.licenses)
    throw new AppError('BUNDLE_TAMPERED', 'The bundle holds a different number of licenses than it says: it is refused.');
  if (header.sourceStationId === ctx.stationId)
    throw new AppError('BUNDLE_OWN', 'This station made the bundle: it cannot take it back in. Import it at the target station.');

  const sealed = payload.licenses.map((l) => ({
    uuid: l.uuid,
    sealed: vault.sealAuthkey(l.uuid, l.authkey),
    mac: l.mac,
    pid: header.group.pid,
    free: l.free,
  }));
  const groupId = header.bundleId; // one local group per bundle: the hub did not assign the group to this station
  const operationId = newId();
  store.tx(() => {
    const earlier = store.importedBundle(header.bundleId);
    if (earlier)
      throw new AppError(
        'BUNDLE_ALREADY_IMPORTED',
        `This bundle was already imported on ${new Date(earlier.at).toISOString()} (${earlier.licenses} licenses): a bundle is accepted once.`,
        { bundleId: header.bundleId },
      );
    const known = store.knownUuids(sealed.map((l) => l.uuid));
    if (known.size > 0)
      throw new AppError('BUNDLE_LICENSES_KNOWN', `${known.size} licenses of this bundle are already in this station: it is refused.`, {
        bundleId: header.bundleId,
      });
    store.createHubGroup(
      groupId,
      `${header.group.name} · from ${header.sourceStationName ?? header.sourceStationId.slice(0, 8)}`,
      header.group.pid,
      `bundle ${header.bundleId}`,
    );
    store.insertLicenses(groupId, sealed);
    store.recordImport(header.bundleId, header.sourceStationId, groupId, sealed.length);
    const uuids = sealed.map((l) => l.uuid);
    store.insertOperation({
      id: operationId,
      kind: 'transfer_in',
      groupId,
      summary: `Bundle of ${uuids.length} licenses imported from ${header.sourceStationName ?? header.sourceStationId}`,
      detail: { bundleId: header.bundleId, sourceStationId: header.sourceStationId, hubGroupId: header.group.id },
    });
    store.enqueue({
      key: `transfer_in-${header.bundleId}`,
      kind: 'transfer_in',
      opId: operationId,
      payload: {
        bundleId: header.bundleId,
        sourceStationId: header.sourceStationId,
        credentialId: header.group.id,
        uuids,
        at: ctx.clock.now(),
        ...supervisorOf(by),
      },
    });
    vault.audit.append({
      action: 'sync.bundle-imported',
      groupId,
      detail: { bundleId: header.bundleId, sourceStationId: header.sourceStationId, licenses: uuids.length },
    });
  });
  ctx.logger.info({ bundleId: header.bundleId, licenses: sealed.length }, 'transfer bundle imported');
  return { bundleId: header.bundleId, groupId, licenses: sealed.length, sourceStationId: header.sourceStationId, operationId };
}

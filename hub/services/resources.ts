/**
 * Third-party resources once generated (jobs.ts makes them): listed per
 * credential and handed out as a CSV file; and what a split or a product change
 * does to a job still generating them. A resource belongs to its license, so a
 * split moves the ones made with the licenses it moves; the child gets its own
 * job for the rest, and the parent's job now counts only what stays.
 */
import { sql } from 'kysely';
import { AppError } from '../../common/errors';
import { newId } from '../../common/ids';
import {
  resourceFileColumns,
  resourceFileQuerySchema,
  resourceQuerySchema,
  type ResourceFileQuery,
  type ResourceList,
  type ResourceQuery,
} from '../../common/console-api';
import type { ThirdPartyKind } from '../../common/hub-api';
import type { Db, Tx } from '../store';
import type { HubDeps } from './context';
import { getProduct } from './products';
import { addEvent, credentialNotFound, nowIso, toJob } from './util';

const openStates = ['queued', 'running'];

async function assertCredential(db: Db, credentialId: string): Promise<void> {
  const row = await db.selectFrom('credentials').select('id').where('id', '=', credentialId).executeTakeFirst();
  if (!row) throw credentialNotFound(credentialId);
}

function resourcesOf(db: Db, credentialId: string, kind: ThirdPartyKind | undefined) {
  let q = db
    .selectFrom('third_party_resources as r')
    .innerJoin('licenses as l', 'l.uuid', 'r.license_uuid')
    .where('l.credential_id', '=', credentialId);
  if (kind) q = q.where('r.kind', '=', kind);
  return q;
}

export async function listResources(deps: HubDeps, credentialId: string, raw: ResourceQuery): Promise<ResourceList> {
  const q = resourceQuerySchema.parse(raw);
  const db = deps.store.db;
  await assertCredential(db, credentialId);
  const licenses = await db
    .selectFrom('licenses')
    .select(sql<number>`count(*)`.as('n'))
    .where('credential_id', '=', credentialId)
    .executeTakeFirstOrThrow();
  const byKind = await resourcesOf(db, credentialId, undefined)
    .select(['r.kind', sql<number>`count(*)`.as('n')])
    .groupBy('r.kind')
    .execute();
  const generated = { homekit: 0, findmy: 0 };
  for (const k of byKind) if (k.kind === 'homekit' || k.kind === 'findmy') generated[k.kind] = Number(k.n);
  const jobs = await db
    .selectFrom('jobs')
    .selectAll()
    .where('credential_id', '=', credentialId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(10)
    .execute();
  const rows = await resourcesOf(db, credentialId, q.kind)
    .select(['r.license_uuid', 'r.kind', 'r.payload', 'r.created_at', 'l.mac'])
    .orderBy('r.license_uuid')
    .orderBy('r.kind')
    .limit(q.pageSize)
    .offset((q.page - 1) * q.pageSize)
    .execute();
  return {
    credentialId,
    licenses: Number(licenses.n),
    generated,
    jobs: jobs.map(toJob),
    total: q.kind ? generated[q.kind] : generated.homekit + generated.findmy,
    page: q.page,
    pageSize: q.pageSize,
    rows: rows.map((r) => ({
      uuid: r.license_uuid,
      mac: r.mac,
      kind: r.kind as ThirdPartyKind,
      fields: JSON.parse(r.payload) as Record<string, string>,
      createdAt: r.created_at,
    })),
  };
}

const csvCell = (v: string | null | undefined): string => {
  const s = v ?? '';
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Every resource of the credential (of one kind, if given) as CSV; refused while there is none. */
export async function resourcesFile(deps: HubDeps, credentialId: string, raw: ResourceFileQuery): Promise<string> {
  const q = resourceFileQuerySchema.parse(raw);
  await assertCredential(deps.store.db, credentialId);
  const rows = await resourcesOf(deps.store.db, credentialId, q.kind)
    .select(['r.license_uuid', 'r.kind', 'r.payload', 'r.created_at', 'l.mac'])
    .orderBy('r.license_uuid')
    .orderBy('r.kind')
    .execute();
  if (rows.length === 0) {
    throw new AppError(
      'NO_RESOURCES',
      `Credential ${credentialId} has no ${q.kind === 'homekit' ? 'HomeKit' : q.kind === 'findmy' ? 'Find My' : 'third-party'} resources yet: generate them first.`,
      { credentialId },
    );
  }
  const lines = [resourceFileColumns.join(',')];
  for (const r of rows) {
    const f = JSON.parse(r.payload) as Record<string, string>;
    lines.push(
      [r.license_uuid, r.mac, r.kind, f.setupCode, f.setupId, f.serialNumber, f.pairingToken, r.created_at].map(csvCell).join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * After a split moved licenses from `parentId` to `childId`: each open job of the parent now counts only the
 * parent's licenses, and the child gets a queued job of the same kinds for the licenses that have no resource yet.
 */
export async function divideJobs(deps: HubDeps, trx: Tx, parentId: string, childId: string): Promise<void> {
  const open = await trx.selectFrom('jobs').selectAll().where('credential_id', '=', parentId).where('state', 'in', openStates).execute();
  for (const job of open) {
    const kinds = JSON.parse(job.kinds) as ThirdPartyKind[];
    const total = async (credentialId: string): Promise<{ licenses: number; done: number }> => {
      const l = await trx
        .selectFrom('licenses')
        .select(sql<number>`count(*)`.as('n'))
        .where('credential_id', '=', credentialId)
        .executeTakeFirstOrThrow();
      const d = await trx
        .selectFrom('third_party_resources')
        .innerJoin('licenses', 'licenses.uuid', 'third_party_resources.license_uuid')
        .select(sql<number>`count(*)`.as('n'))
        .where('licenses.credential_id', '=', credentialId)
        .where('third_party_resources.kind', 'in', kinds)
        .executeTakeFirstOrThrow();
      return { licenses: Number(l.n), done: Number(d.n) };
    };
    const parent = await total(parentId);
    await trx
      .updateTable('jobs')
      .set({ total: parent.licenses * kinds.length, done_count: parent.done })
      .where('id', '=', job.id)
      .execute();
    const child = await total(childId);
    if (child.licenses === 0) continue;
    const id = newId();
    await trx
      .insertInto('jobs')
      .values({
        id,
        credential_id: childId,
        kind: job.kind,
        kinds: job.kinds,
        state: 'queued',
        total: child.licenses * kinds.length,
        done_count: child.done,
        claimed_by: null,
        lease_until: null,
        created_at: nowIso(deps),
        started_at: null,
        finished_at: null,
        error: null,
      })
      .execute();
    await addEvent(trx, deps, childId, 'third_party_job_started', { jobId: id, kinds, splitFrom: job.id });
  }
}

/** After a product change: a job generating a kind the new product does not support is canceled, with a notice. */
export async function cancelUnsupportedJobs(deps: HubDeps, trx: Tx, credentialId: string, pid: string): Promise<void> {
  const product = await getProduct(trx, pid);
  const open = await trx
    .selectFrom('jobs')
    .selectAll()
    .where('credential_id', '=', credentialId)
    .where('state', 'in', openStates)
    .execute();
  for (const job of open) {
    const unsupported = (JSON.parse(job.kinds) as ThirdPartyKind[]).filter((k) => !product[k]);
    if (unsupported.length === 0) continue;
    const now = nowIso(deps);
    const what = unsupported.map((k) => (k === 'homekit' ? 'HomeKit' : 'Find My')).join(' and ');
    const message = `Generating third-party resources for credential ${credentialId} was canceled: its product is now ${product.name} (${product.pid}), which does not support ${what}.`;
    await trx
      .updateTable('jobs')
      .set({ state: 'canceled', finished_at: now, lease_until: null, error: message })
      .where('id', '=', job.id)
      .execute();
    await trx
      .insertInto('notices')
      .values({ id: newId(), kind: 'third_party_canceled', message, credential_id: credentialId, job_id: job.id, created_at: now })
      .execute();
    await addEvent(trx, deps, credentialId, 'third_party_job_canceled', { jobId: job.id, pid: product.pid, unsupported });
  }
}

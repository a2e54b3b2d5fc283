/**
 * Third-party resources (HomeKit setup codes, Find My tokens) for every
 * license of a credential: a durable job. Any hub process may claim a job, one
 * at a time (row lock with SKIP LOCKED, and a lease that the owner renews after
 * each chunk). Progress is saved per chunk; a job whose owner crashed is
 * claimed again when its lease ends and continues where it stopped.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { AppError } from '../../common/errors';
import { newId } from '../../common/ids';
import type { Job, Notice, ThirdPartyJobInput, ThirdPartyKind } from '../../common/hub-api';
import type { JobTable, StationTable } from '../store/schema';
import type { HubDeps } from './context';
import { lockCredential } from './credentials';
import { getProduct } from './products';
import { addEvent, assertOperable, isoIn, nowIso, toJob, type CredentialGuard } from './util';

export async function startThirdPartyJob(
  deps: HubDeps,
  credentialId: string,
  input: ThirdPartyJobInput,
  guard?: CredentialGuard,
): Promise<Job> {
  const id = newId();
  await deps.store.tx(async (trx) => {
    const cred = await lockCredential(deps, trx, credentialId);
    guard?.(cred);
    assertOperable(cred, 'changed');
    const product = await getProduct(trx, cred.pid);
    const supported: ThirdPartyKind[] = [...(product.homekit ? ['homekit' as const] : []), ...(product.findmy ? ['findmy' as const] : [])];
    const kinds = input.kinds ?? supported;
    const unsupported = kinds.filter((k) => !supported.includes(k));
    if (kinds.length === 0 || unsupported.length > 0) {
      throw new AppError(
        'THIRD_PARTY_NOT_SUPPORTED',
        `Product ${product.pid} does not support ${unsupported.length > 0 ? unsupported.join(' and ') : 'HomeKit or Find My'}: there are no third-party resources to generate.`,
        { pid: product.pid },
      );
    }
    const running = await trx
      .selectFrom('jobs')
      .select('id')
      .where('credential_id', '=', credentialId)
      .where('state', 'in', ['queued', 'running'])
      .executeTakeFirst();
    if (running)
      throw new AppError(
        'JOB_ALREADY_RUNNING',
        `Third-party resources for credential ${credentialId} are already being generated (job ${running.id}).`,
        { jobId: running.id },
      );
    const n = await trx
      .selectFrom('licenses')
      .select(sql<number>`count(*)`.as('n'))
      .where('credential_id', '=', credentialId)
      .executeTakeFirstOrThrow();
    if (Number(n.n) === 0)
      throw new AppError('NO_LICENSES', `Credential ${credentialId} has no licenses yet: import them first.`, { credentialId });
    await trx
      .insertInto('jobs')
      .values({
        id,
        credential_id: credentialId,
        kind: 'third_party',
        kinds: JSON.stringify(kinds),
        state: 'queued',
        total: Number(n.n) * kinds.length,
        done_count: 0,
        claimed_by: null,
        lease_until: null,
        created_at: nowIso(deps),
        started_at: null,
        finished_at: null,
        error: null,
      })
      .execute();
    await addEvent(trx, deps, credentialId, 'third_party_job_started', { jobId: id, kinds });
  });
  return getJob(deps, id);
}

export async function getJob(deps: HubDeps, id: string): Promise<Job> {
  const row = await deps.store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('JOB_NOT_FOUND', `There is no job ${id}.`, { jobId: id });
  return toJob(row);
}

/** The latest notices; given a station, only those about the groups it sees; given a factory, only those about its credentials. */
export async function listNotices(deps: HubDeps, station?: StationTable, factoryId: string | null = null): Promise<{ notices: Notice[] }> {
  let q = deps.store.db.selectFrom('notices').selectAll('notices');
  if (factoryId !== null) q = q.innerJoin('credentials as fc', 'fc.id', 'notices.credential_id').where('fc.factory_id', '=', factoryId);
  if (station) {
    q = q
      .innerJoin('credentials', 'credentials.id', 'notices.credential_id')
      .where((eb) =>
        eb.or([
          eb('credentials.station_id', '=', station.id),
          eb.and([eb('credentials.station_id', 'is', null), eb('credentials.line_id', '=', station.line_id)]),
        ]),
      );
  }
  const rows = await q.orderBy('notices.created_at', 'desc').orderBy('notices.id').limit(200).execute();
  return {
    notices: rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      message: r.message,
      credentialId: r.credential_id,
      jobId: r.job_id,
      createdAt: r.created_at,
    })),
  };
}

function generateResource(kind: ThirdPartyKind): Record<string, string> {
  if (kind === 'homekit') {
    const digits = String(randomInt(0, 100_000_000)).padStart(8, '0');
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    let setupId = '';
    for (let i = 0; i < 4; i++) setupId += alphabet[randomInt(alphabet.length)];
    return { setupCode: `${digits.slice(0, 3)}-${digits.slice(3, 5)}-${digits.slice(5)}`, setupId };
  }
  return { serialNumber: randomBytes(6).toString('hex').toUpperCase(), pairingToken: randomBytes(16).toString('hex') };
}

/** Claims the oldest job that nobody holds (or whose holder's lease ended). */
async function claim(deps: HubDeps, owner: string): Promise<JobTable | undefined> {
  const { store } = deps;
  return store.tx(async (trx) => {
    const now = nowIso(deps);
    const job = await store
      .lockForUpdate(
        trx
          .selectFrom('jobs')
          .selectAll()
          .where('state', 'in', ['queued', 'running'])
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
          .orderBy('created_at')
          .orderBy('id')
          .limit(1),
        { skipLocked: true },
      )
      .executeTakeFirst();
    if (!job) return undefined;
    const claimed = {
      state: 'running',
      claimed_by: owner,
      lease_until: isoIn(deps, deps.config.jobs.leaseMs),
      started_at: job.started_at ?? now,
    };
    await trx.updateTable('jobs').set(claimed).where('id', '=', job.id).execute();
    if (job.claimed_by !== null) deps.logger.warn({ jobId: job.id, previousOwner: job.claimed_by }, 'resuming a job whose lease ended');
    return { ...job, ...claimed };
  });
}

/** Works one claimed job chunk by chunk; returns false if the lease was lost (another process owns it now). */
async function work(deps: HubDeps, owner: string, job: JobTable, stopped: () => boolean): Promise<boolean> {
  const kinds = JSON.parse(job.kinds) as ThirdPartyKind[];
  const { chunkSize, itemDelayMs } = deps.config.jobs;
  const db = deps.store.db;
  for (;;) {
    if (stopped()) return true;
    let made = 0;
    const batch: { license_uuid: string; kind: string; job_id: string; payload: string; created_at: string }[] = [];
    for (const kind of kinds) {
      if (batch.length >= chunkSize) break;
      const todo = await db
        .selectFrom('licenses')
        .select('uuid')
        .where('credential_id', '=', job.credential_id)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('third_party_resources')
                .select('license_uuid')
                .whereRef('third_party_resources.license_uuid', '=', 'licenses.uuid')
                .where('third_party_resources.kind', '=', kind),
            ),
          ),
        )
        .orderBy('uuid')
        .limit(chunkSize - batch.length)
        .execute();
      for (const t of todo) {
        if (itemDelayMs > 0) await new Promise((r) => setTimeout(r, itemDelayMs));
        batch.push({
          license_uuid: t.uuid,
          kind,
          job_id: job.id,
          payload: JSON.stringify(generateResource(kind)),
          created_at: nowIso(deps),
        });
      }
    }
    const finished = batch.length === 0;
    const ok = await deps.store.tx(async (trx) => {
      const mine = await deps.store.lockForUpdate(trx.selectFrom('jobs').selectAll().where('id', '=', job.id)).executeTakeFirst();
      if (!mine || mine.claimed_by !== owner || mine.state !== 'running') return false;
      if (batch.length > 0) {
        const res = await trx
          .insertInto('third_party_resources')
          .values(batch)
          .onConflict((oc) => oc.columns(['license_uuid', 'kind']).doNothing())
          .executeTakeFirst();
        made = Number(res.numInsertedOrUpdatedRows ?? 0);
      }
      const done = await trx
        .selectFrom('third_party_resources')
        .innerJoin('licenses', 'licenses.uuid', 'third_party_resources.license_uuid')
        .select(sql<number>`count(*)`.as('n'))
        .where('licenses.credential_id', '=', job.credential_id)
        .where('third_party_resources.kind', 'in', kinds)
        .executeTakeFirstOrThrow();
      const now = nowIso(deps);
      if (finished) {
        await trx
          .updateTable('jobs')
          .set({ state: 'done', done_count: Number(done.n), finished_at: now, lease_until: null })
          .where('id', '=', job.id)
          .execute();
        await trx
          .insertInto('notices')
          .values({
            id: newId(),
            kind: 'third_party_done',
            message: `Third-party resources (${kinds.join(', ')}) for credential ${job.credential_id} are ready: ${Number(done.n)} generated.`,
            credential_id: job.credential_id,
            job_id: job.id,
            created_at: now,
          })
          .execute();
        await addEvent(trx, deps, job.credential_id, 'third_party_job_done', { jobId: job.id, generated: Number(done.n) });
      } else {
        await trx
          .updateTable('jobs')
          .set({ done_count: Number(done.n), lease_until: isoIn(deps, deps.config.jobs.leaseMs) })
          .where('id', '=', job.id)
          .execute();
      }
      return true;
    });
    if (!ok) {
      deps.logger.warn({ jobId: job.id }, 'lost the lease of a job; another hub process has it');
      return false;
    }
    if (finished) {
      deps.logger.info({ jobId: job.id, credentialId: job.credential_id }, 'third-party resources job done');
      return true;
    }
    deps.logger.debug({ jobId: job.id, made }, 'third-party resources chunk saved');
  }
}

export interface JobRunner {
  /** Resolves when the current chunk is saved and the loop has stopped. */
  stop(): Promise<void>;
  /** Looks for work now instead of at the next poll. */
  poke(): void;
}

/** The background loop of one hub process. */
export function startJobRunner(deps: HubDeps, owner: string = newId()): JobRunner {
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const tick = (): void => {
    timer = undefined;
    if (stopping || running) return;
    running = (async () => {
      try {
        for (;;) {
          if (stopping) break;
          const job = await claim(deps, owner);
          if (!job) break;
          await work(deps, owner, job, () => stopping);
        }
      } catch (e) {
        deps.logger.error({ err: e }, 'job runner failed; retrying at the next poll');
      } finally {
        running = undefined;
        if (!stopping) timer = setTimeout(tick, deps.config.jobs.pollMs);
      }
    })();
  };
  timer = setTimeout(tick, 0);
  return {
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    poke() {
      if (!running && !stopping) {
        if (timer) clearTimeout(timer);
        timer = setTimeout(tick, 0);
      }
    },
  };
}

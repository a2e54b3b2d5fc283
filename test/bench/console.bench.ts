// Hub console benchmarks, over real HTTP on loopback (SQLite):
//   console_credentials_page_ms   the first page (25 rows, newest first, with counts and allowed actions) of
//                                 "my credentials" with 10,000 credentials of 5 licenses each on the hub; median of 20
//   console_credentials_search_ms the same with a search by name and a filter by product; median of 20
// The store is seeded straight through SQL (the rows the services would write), then the hub is started in this process.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../common/log';
import { createHub } from '../../hub/server';
import { keyring, masterKey } from '../../hub/services/authkeys';
import { openStore } from '../../hub/store';
import type { CredentialTable, LicenseTable } from '../../hub/store/schema';
import { apiKeyFor } from '../support/hub-accounts';

const bench = (name: string, value: number, unit: string): void => console.log(`BENCH ${name} ${Number(value.toFixed(3))} ${unit}`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const credentials = 10_000;
const perCredential = 5;
const dir = mkdtempSync(join(tmpdir(), 'console-bench-'));
const store = await openStore({ db: join(dir, 'hub.sqlite') });
try {
  const now = Date.parse('2026-12-01T00:00:00.000Z');
  await store.db
    .insertInto('products')
    .values([
      { pid: 'p1', name: 'Smart plug', price_cents: 1000, homekit: 0, findmy: 0, created_at: new Date(now).toISOString() },
      { pid: 'p2', name: 'Smart bulb', price_cents: 1500, homekit: 1, findmy: 1, created_at: new Date(now).toISOString() },
    ])
    .execute();
  const creds: CredentialTable[] = [];
  const lics: LicenseTable[] = [];
  const states = ['valid', 'valid', 'valid', 'updated', 'confirming_update', 'list_generated'];
  for (let i = 0; i < credentials; i++) {
    const at = new Date(now + i * 1000).toISOString();
    const id = randomUUID();
    creds.push({
      id,
      pid: i % 3 === 0 ? 'p2' : 'p1',
      owner: i % 4 === 0 ? 'customer' : 'mine',
      customer_name: i % 4 === 0 ? 'Acme' : null,
      confirmed_at: at,
      delivery_mode: i % 5 === 0 ? 'license_list' : 'credential',
      purchased_count: perCredential,
      free_count: 0,
      firmware_key: 'fw',
      chip: 'BK7231N',
      parent_id: null,
      origin: 'purchase',
      factory_id: null,
      line_id: null,
      station_id: null,
      state: states[i % states.length]!,
      created_at: at,
      updated_at: at,
      name: `Batch ${i}`,
      order_no: `PO-${100000 + i}`,
    });
    for (let k = 0; k < perCredential; k++) {
      lics.push({
        uuid: `c${(i * perCredential + k).toString(36).padStart(15, '0')}`,
        credential_id: id,
        authkey: randomBytes(16).toString('hex'),
        mac: null,
        kind: 'purchased',
        status: k === 0 && i % 2 === 0 ? 'burned' : 'unused',
        station_id: null,
        lease_seq: null,
        leased_at: null,
        burned_at: null,
        burned_pid: null,
        burned_mac: null,
        spoiled_reason: null,
        rejected_reason: null,
        imported_at: at,
      });
    }
  }
  await store.tx(async (trx) => {
    for (let i = 0; i < creds.length; i += 500)
      await trx
        .insertInto('credentials')
        .values(creds.slice(i, i + 500))
        .execute();
    for (let i = 0; i < lics.length; i += 1000)
      await trx
        .insertInto('licenses')
        .values(lics.slice(i, i + 1000))
        .execute();
  });

  const hub = await createHub(store, {
    logger: silentLogger,
    keyring: keyring(masterKey(randomBytes(32))),
    runJobs: false,
    config: { auth: { scryptCost: 2 ** 10 } },
  });
  const key = await apiKeyFor(hub.deps, 'owner');
  const url = await hub.app.listen({ port: 0, host: '127.0.0.1' });
  const timed = async (query: string): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t0 = performance.now();
      const res = await fetch(`${url}/v1/console/credentials${query}`, { headers: { authorization: `Bearer ${key}` } });
      const body = (await res.json()) as { total: number; rows: unknown[] };
      if (res.status !== 200 || body.rows.length === 0)
        throw new Error(`console page: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      if (i > 0) out.push(performance.now() - t0);
    }
    return out;
  };
  bench('console_credentials_page_ms', median(await timed('?tab=mine')), 'ms');
  bench('console_credentials_search_ms', median(await timed('?tab=mine&q=batch%2099&productId=p1')), 'ms');
  await hub.close();
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

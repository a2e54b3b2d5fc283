/**
 * Hub operators for tests, demos and benches: one account per role (the
 * factory role aside: it is per factory) with an API key each, made straight
 * on the store, and the role a hub operator would use for a route.
 */
import { randomBytes } from 'node:crypto';
import { hubRoutes, type HubRouteDef, type Role } from '../../common/hub-api';
import { silentLogger } from '../../common/log';
import { systemClock } from '../../common/clock';
import { createAccount, createApiKey } from '../../hub/services/accounts';
import { defaultHubConfig, type HubDeps } from '../../hub/services/context';
import { keyring, masterKey, type Keyring } from '../../hub/services/authkeys';
import { channelSender } from '../../hub/services/sender';
import { openStore, type Store } from '../../hub/store';

export type OperatorRole = Exclude<Role, 'factory'>;
export type OperatorKeys = Record<OperatorRole, string>;

/** Cheap password hashes for tests (the hash format stores its own cost). */
export const testAuthConfig = { scryptCost: 2 ** 10 };

/** A new account of `role` (of `factoryId` for the factory role) and an API key of it. */
export async function apiKeyFor(deps: HubDeps, role: Role, factoryId?: string): Promise<string> {
  const name = `test-${role}-${randomBytes(3).toString('hex')}`;
  // Verified contacts (trusted), so the account's download codes have somewhere to go.
  const { account } = await createAccount(
    deps,
    { name, role, ...(factoryId ? { factoryId } : {}), email: `${name}@test.example`, phone: '+15550001234' },
    { trusted: {} },
  );
  return (await createApiKey(deps, account.id, 'tests')).key;
}

export async function operatorKeys(deps: HubDeps): Promise<OperatorKeys> {
  return { platform: await apiKeyFor(deps, 'platform'), owner: await apiKeyFor(deps, 'owner'), auditor: await apiKeyFor(deps, 'auditor') };
}

/**
 * Services straight on a store, for setting up what a test or bench needs. Without `ring`, any master key: fine for
 * accounts and API keys, not for what the hub's own key seals or keys (authkeys, TOTP secrets, enrollment codes).
 */
export const setupDeps = (store: Store, ring: Keyring = keyring(masterKey(randomBytes(32)))): HubDeps => ({
  instanceId: 'test-setup',
  store,
  clock: systemClock,
  logger: silentLogger,
  sender: channelSender({}),
  keyring: ring,
  config: { ...defaultHubConfig, auth: { ...defaultHubConfig.auth, ...testAuthConfig } },
});

/** The same, for a hub running in another process: straight on its store (SQLite file or PostgreSQL schema). */
export async function operatorKeysOn(db: string, schema?: string): Promise<OperatorKeys> {
  const store = await openStore({ db, ...(schema ? { schema } : {}) });
  try {
    return await operatorKeys(setupDeps(store));
  } finally {
    await store.close();
  }
}

/** The route a call is for, found in the route table. */
export function routeOf(method: string, url: string): HubRouteDef | undefined {
  const path = url.split('?')[0]!;
  return (Object.values(hubRoutes) as HubRouteDef[]).find(
    (r) => r.method === method && new RegExp(`^${r.url.replace(/:[a-z]+/gi, '[^/]+')}$`).test(path),
  );
}

/** The role a hub operator would use for a route: the owner for the credential work, else the first role allowed. */
export function roleFor(route: HubRouteDef | undefined): OperatorRole {
  const roles: readonly string[] = route?.roles ?? ['owner'];
  return (['owner', 'platform', 'auditor'] as const).find((r) => roles.includes(r)) ?? 'owner';
}

export const keyFor = (keys: OperatorKeys, method: string, url: string): string => keys[roleFor(routeOf(method, url))];

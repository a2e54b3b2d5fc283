/**
 * Demo data for the hub: two products, a factory with two lines and three
 * stations, credentials with generated licenses (with MACs), one assigned to
 * the first station, a download contact for each station, and a one-time
 * enrollment code for the first, and one account per role (`demo-platform`,
 * `demo-owner`, `demo-factory` of the demo factory, `demo-auditor`). The app's
 * demo calls `seedDemo(hub.deps)` after `startHub()`. Running it again reuses
 * the demo factory and only issues a fresh enrollment code and fresh passwords.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Credential, EnrollmentCode, Product, Role } from '../common/hub-api';
import type { License } from '../common/license';
import type { HubDeps } from './services/context';
import * as accounts from './services/accounts';
import * as credentials from './services/credentials';
import * as products from './services/products';
import * as stations from './services/stations';

export interface DemoSeed {
  products: Product[];
  factoryId: string;
  lineIds: string[];
  stationIds: string[];
  credentials: Credential[];
  /** For the first station (`stationIds[0]`); enroll the demo station with it. */
  enrollmentCode: EnrollmentCode;
  /** One account per role, with its password (new at every seeding); the platform account's second-factor secret. */
  accounts: DemoAccount[];
  /** The people at the demo factory's stations (factory accounts): operators sign on with a number or a badge, the supervisor with a PIN. */
  floor: DemoFloor;
}

export interface DemoFloor {
  operators: { name: string; number: string; badge: string }[];
  supervisor: { name: string; pin: string };
}

/** The demo factory's floor: two operators (the factory manager is one of them) and the manager as supervisor with its station PIN. */
export const demoFloor: DemoFloor = {
  operators: [
    { name: 'demo-factory', number: '100', badge: 'BADGE-0100' },
    { name: 'demo-operator', number: '101', badge: 'BADGE-0101' },
  ],
  supervisor: { name: 'demo-factory', pin: '1357' },
};

async function seedDemoFloor(deps: HubDeps, factoryId: string): Promise<DemoFloor> {
  for (const o of demoFloor.operators) {
    if (o.name !== 'demo-factory')
      await accounts.ensureDemoAccount(deps, { name: o.name, role: 'factory', factoryId }, accounts.oneTimePassword());
    await accounts.setStationAccess(deps, o.name, { operatorNumber: o.number, badge: o.badge });
  }
  await accounts.setStationPin(deps, demoFloor.supervisor.name, demoFloor.supervisor.pin);
  return demoFloor;
}

export interface DemoAccount {
  id: string;
  role: Role;
  name: string;
  password: string;
  totpSecret: string | null;
}

/** One account per role; passwords (and the platform account's TOTP secret) are made afresh each time, to be printed on the console. */
async function seedDemoAccounts(deps: HubDeps, factoryId: string): Promise<DemoAccount[]> {
  const out: DemoAccount[] = [];
  for (const role of ['platform', 'owner', 'factory', 'auditor'] as const) {
    const password = accounts.oneTimePassword();
    const totpSecret = role === 'platform' ? accounts.newTotpSecret() : null;
    const name = `demo-${role}`;
    const a = await accounts.ensureDemoAccount(
      deps,
      { name, role, ...(role === 'factory' ? { factoryId } : {}), email: `${name}@demo.local` },
      password,
      totpSecret ?? undefined,
    );
    out.push({ id: a.id, role, name, password, totpSecret });
  }
  return out;
}

const alnum = '0123456789abcdefghijklmnopqrstuvwxyz';
const alnumMixed = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const pick = (alphabet: string, n: number): string => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');

/** Licenses that look like the platform's: 16-char uuid, 32-char authkey, consecutive MACs from a random base. */
export function generateDemoLicenses(n: number, uuidPrefix = 'demo'): License[] {
  const base = randomBytes(4).readUInt32BE(0) * 256;
  return Array.from({ length: n }, (_, i) => ({
    uuid: (uuidPrefix + pick(alnum, 16)).slice(0, 16),
    authkey: pick(alnumMixed, 32),
    mac: (0x1c9dc2000000 + ((base + i) % 0xffffff)).toString(16).toUpperCase().padStart(12, '0'),
  }));
}

export async function seedDemo(deps: HubDeps, opts: { licensesPerCredential?: number } = {}): Promise<DemoSeed> {
  const n = opts.licensesPerCredential ?? 200;
  const plug = await products.upsertProduct(deps, { pid: 'demoplug01', name: 'Demo smart plug', priceCents: 120 });
  const bulb = await products.upsertProduct(deps, {
    pid: 'demobulb01',
    name: 'Demo HomeKit bulb',
    priceCents: 180,
    homekit: true,
    findmy: false,
  });
  const existing = (await stations.listFactories(deps)).factories.find((f) => f.name === 'Demo factory');
  if (existing) {
    const stationIds = existing.lines.flatMap((l) => l.stations.map((s) => s.id));
    const creds = (await credentials.listCredentials(deps, {})).credentials.filter((c) => c.assignment.factoryId === existing.id);
    return {
      products: [plug, bulb],
      factoryId: existing.id,
      lineIds: existing.lines.map((l) => l.id),
      stationIds,
      credentials: creds,
      enrollmentCode: await stations.createEnrollmentCode(deps, stationIds[0]!, 24 * 60),
      accounts: await seedDemoAccounts(deps, existing.id),
      floor: await seedDemoFloor(deps, existing.id),
    };
  }
  const factory = await stations.createFactory(deps, 'Demo factory');
  const line1 = await stations.createLine(deps, factory.id, 'Line 1');
  const line2 = await stations.createLine(deps, factory.id, 'Line 2');
  const st = [
    await stations.createStation(deps, line1.id, 'Line 1 / bench 1'),
    await stations.createStation(deps, line1.id, 'Line 1 / bench 2'),
    await stations.createStation(deps, line2.id, 'Line 2 / bench 1'),
  ];
  const mine = await credentials.createCredential(deps, {
    pid: plug.pid,
    owner: 'mine',
    deliveryMode: 'credential',
    firmwareKey: 'keydemo0plug0001',
    chip: 'BK7231N',
  });
  await credentials.importLicenses(deps, mine.id, 'purchased', generateDemoLicenses(n));
  await credentials.importLicenses(deps, mine.id, 'free', generateDemoLicenses(Math.max(1, Math.floor(n / 20))));
  await credentials.assignCredential(deps, mine.id, { factoryId: factory.id, stationId: st[0]!.id });
  const hk = await credentials.createCredential(deps, {
    pid: bulb.pid,
    owner: 'mine',
    deliveryMode: 'credential',
    firmwareKey: 'keydemo0bulb0001',
    chip: 'ESP32-C3',
  });
  await credentials.importLicenses(deps, hk.id, 'purchased', generateDemoLicenses(Math.max(1, Math.floor(n / 2))));
  await credentials.assignCredential(deps, hk.id, { factoryId: factory.id, lineId: line2.id });
  const cust = await credentials.createCredential(deps, {
    pid: plug.pid,
    owner: 'customer',
    customerName: 'Demo customer Ltd',
    deliveryMode: 'license_list',
    firmwareKey: 'keydemo0cust0001',
    chip: 'BK7231N',
  });
  await credentials.importLicenses(deps, cust.id, 'purchased', generateDemoLicenses(Math.max(1, Math.floor(n / 4))));
  await credentials.assignCredential(deps, cust.id, { factoryId: factory.id });
  // download codes asked for at a demo station go to the demo supervisor (the demo prints them)
  for (const s of st) await stations.setDownloadContact(deps, s.id, { channel: 'email', destination: 'supervisor@factory.local' });
  const enrollmentCode = await stations.createEnrollmentCode(deps, st[0]!.id, 24 * 60);
  return {
    products: [plug, bulb],
    factoryId: factory.id,
    lineIds: [line1.id, line2.id],
    stationIds: st.map((s) => s.id),
    credentials: await Promise.all([mine.id, hk.id, cust.id].map((id) => credentials.getCredential(deps, id))),
    enrollmentCode,
    accounts: await seedDemoAccounts(deps, factory.id),
    floor: await seedDemoFloor(deps, factory.id),
  };
}

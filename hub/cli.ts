/**
 * The `hub` command (`npm run hub -- <command>`): start the server, or do what
 * a hub operator does (products, factories, credentials, import, split, assign,
 * product changes, enrollment codes, reports) straight on the store, through
 * the same services as the HTTP API. Answers are JSON on stdout; a refusal is
 * `error CODE: message` on stderr with exit status 1.
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { AppError, toErrorInfo } from '../common/errors';
import { silentLogger } from '../common/log';
import { systemClock } from '../common/clock';
import type { Actor, Role } from '../common/hub-api';
import { seedDemo } from './demo';
import * as accounts from './services/accounts';
import * as audit from './services/audit';
import { defaultHubConfig, type HubDeps } from './services/context';
import * as credentials from './services/credentials';
import { keyring, resolveKeyring, sealAtRest, writeMasterKeyFile, type Keyring } from './services/authkeys';
import { importLicenseFile } from './services/import-file';
import * as jobs from './services/jobs';
import * as products from './services/products';
import * as reports from './services/reports';
import * as resources from './services/resources';
import { channelSender, consoleCodeSender, sendersFromEnv } from './services/sender';
import * as stations from './services/stations';
import * as updates from './services/updates';
import { createHubLogger, defaultDbPath, startHub } from './server';
import { isPostgresUrl, openStore } from './store';

const usage = `hub <command> [options]            (database: --db or HUB_DATABASE_URL; default ${defaultDbPath})

  start [--port 8787] [--host 127.0.0.1] [--import-limit-mb 64]
        [--tls-cert FILE --tls-key FILE | --behind-tls-proxy] [--dev-sender]
                                                      codes by email (HUB_SMTP_*) and SMS (HUB_SMS_*), see docs/hub.md;
                                                      --dev-sender prints them on the console instead (development only)
                                                      run the hub (HUB_PORT, HUB_HOST, HUB_IMPORT_LIMIT_MB, HUB_TLS_CERT,
                                                      HUB_TLS_KEY, HUB_BEHIND_TLS_PROXY=1)
  migrate                                             create or upgrade the store (and seal plain authkeys), then exit
  master-key generate <file>                          a new random master key in a file only its owner reads
  master-key rotate --new-key-file F                  re-seal every authkey under the key in F (then start hubs with it)
                                                      master key: --master-key-file, HUB_MASTER_KEY_FILE or HUB_MASTER_KEY;
                                                      during a rotation HUB_PREVIOUS_MASTER_KEY_FILE; SQLite default: hub.master-key by the database
  demo                                                add demo products, credentials, a factory, an enrollment code and one account per role

  user add <name> --role platform|owner|factory|auditor [--factory F] [--email E] [--phone P]   prints a one-time password, once
  user list | user disable <name> | user reset-password <name> | user set-role <name> <role> [--factory F]
  user api-key <name> <keyName>                       an API key for scripts, with the account's role (shown once)
  user station-access <name> [--operator-number N|none] [--badge B|none] [--clear-station-pin]
                                                      a factory account at its factory's stations (operator number, badge)
  user station-pin <name> --pin-file F                a factory account's station PIN (supervisor), read from a file
  audit [--actor A] [--credential C] [--kind K] [--from ISO] [--to ISO] [--after-seq N] [--limit N] [--csv]
  audit verify                                        walk the audit log's hash chain; names the first broken link

  products list | products add <pid> <name> <priceCents> [--homekit] [--findmy] [--homekit-price CENTS] [--findmy-price CENTS]
  factories list | factories add <name>
  lines add <factoryId> <name>
  stations add <lineId> <name> | stations revoke <stationId>
  stations contact <stationId> email|sms <address>    where the station's download codes are sent
  enroll-code <stationId> [--ttl-minutes 1440]          one-time enrollment code (shown once)

  credentials list [--owner mine|customer] | credentials show <id> | credentials confirm <id>
  credentials pid <id> <pid>                          set a group's PID (on the hub it is its product's: only that PID is accepted)
  credentials add <pid> --mode credential|credential_auth_only|license_list --firmware-key K --chip C
                  [--owner mine|customer] [--customer NAME] [--replacement]
  import <credentialId> <file.csv|file.xlsx> [--free]  all-or-nothing license list import
  split <credentialId> <purchased> <free>
  assign <credentialId> --factory F [--line L] [--station S]   (--factory none: unassign)
  history <credentialId>

  update request <credentialId> <targetPid> <mode> | update approve <id> | update pay <id> <reference>
  update reject <id> <reason...> | update recall <id> | update list <credentialId> | update show <id>
  third-party <credentialId>                          queue HomeKit/Find My generation (a running hub works it)
  resources <credentialId> [--kind homekit|findmy]   the credential's HomeKit / Find My resources as CSV on stdout
  job <jobId> | notices
  reports credentials | reports stations
`;

const options = {
  role: { type: 'string' },
  email: { type: 'string' },
  phone: { type: 'string' },
  actor: { type: 'string' },
  credential: { type: 'string' },
  kind: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'after-seq': { type: 'string' },
  limit: { type: 'string' },
  csv: { type: 'boolean' },
  db: { type: 'string' },
  schema: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'behind-tls-proxy': { type: 'boolean' },
  homekit: { type: 'boolean' },
  findmy: { type: 'boolean' },
  'homekit-price': { type: 'string' },
  'findmy-price': { type: 'string' },
  free: { type: 'boolean' },
  replacement: { type: 'boolean' },
  owner: { type: 'string' },
  customer: { type: 'string' },
  mode: { type: 'string' },
  'firmware-key': { type: 'string' },
  chip: { type: 'string' },
  factory: { type: 'string' },
  line: { type: 'string' },
  station: { type: 'string' },
  'ttl-minutes': { type: 'string' },
  'import-limit-mb': { type: 'string' },
  'master-key-file': { type: 'string' },
  'dev-sender': { type: 'boolean' },
  'new-key-file': { type: 'string' },
  'operator-number': { type: 'string' },
  badge: { type: 'string' },
  'clear-station-pin': { type: 'boolean' },
  'pin-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const usageError = (message: string): AppError => new AppError('CLI_USAGE', `${message}; see "hub --help"`);

function parseCommandLine(argv: string[]) {
  const negative = argv.find((a) => /^-\d/.test(a));
  if (negative !== undefined) throw usageError(`"${negative}": numbers must be whole numbers from 0 up`);
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (e) {
    // parseArgs explains in a sentence, then suggests "--" for positionals: the first sentence is the point.
    throw usageError((e as Error).message.split(/\. /)[0]!.replace(/\.$/, ''));
  }
}

let opt: ReturnType<typeof parseCommandLine>['values'] = {};
let db = defaultDbPath;

const envInt = (name: string): number | undefined => (process.env[name] ? int(process.env[name], name) : undefined);

function need(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw usageError(`missing ${what}`);
  return value;
}
/** Plain decimal digits only: "0x1", "1e3", "-1", " 1" and "1.0" are refused, not read as numbers. */
function int(value: string | undefined, what: string, min = 0): number {
  const text = need(value, what);
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min)
    throw usageError(`${what} must be a whole number from ${min} up, written in digits, got "${text}"`);
  return n;
}

/** A file the operator named: its bytes, or a plain FILE_UNREADABLE. */
function readOperatorFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'there is no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a folder'
            : (e as Error).message;
    throw new AppError('FILE_UNREADABLE', `Cannot read the ${what} "${path}": ${why}.`, { path });
  }
}

/** Anything given on the command line is visible to every user of the machine (ps): a database password may come only from the environment. */
function databaseFromCommandLine(value: string): string {
  if (isPostgresUrl(value) && /^postgres(ql)?:\/\/[^/@]*:[^/@]*@/i.test(value)) {
    throw new AppError(
      'SECRET_ON_COMMAND_LINE',
      'The --db URL holds a password, which every user of this machine can read in the process list: put the URL in HUB_DATABASE_URL, or leave the password out and set PGPASSWORD.',
    );
  }
  return value;
}

async function runStart(): Promise<void> {
  const jobsConfig = { ...defaultHubConfig.jobs };
  const lease = envInt('HUB_JOB_LEASE_MS');
  const delay = envInt('HUB_JOB_ITEM_DELAY_MS');
  const poll = envInt('HUB_JOB_POLL_MS');
  const chunk = envInt('HUB_JOB_CHUNK');
  if (lease !== undefined) jobsConfig.leaseMs = lease;
  if (delay !== undefined) jobsConfig.itemDelayMs = delay;
  if (poll !== undefined) jobsConfig.pollMs = poll;
  if (chunk !== undefined) jobsConfig.chunkSize = chunk;
  const pushGroup = { ...defaultHubConfig.pushGroup };
  const windowMs = envInt('HUB_PUSH_WINDOW_MS');
  const groupItems = envInt('HUB_PUSH_GROUP_ITEMS');
  if (windowMs !== undefined) pushGroup.windowMs = windowMs;
  if (groupItems !== undefined) pushGroup.maxItems = groupItems;
  const certFile = opt['tls-cert'] ?? process.env.HUB_TLS_CERT;
  const keyFile = opt['tls-key'] ?? process.env.HUB_TLS_KEY;
  if ((certFile === undefined) !== (keyFile === undefined)) throw usageError('TLS needs both --tls-cert and --tls-key');
  const tls =
    certFile && keyFile ? { cert: readOperatorFile(certFile, 'TLS certificate'), key: readOperatorFile(keyFile, 'TLS key') } : undefined;
  const behindTlsProxy = opt['behind-tls-proxy'] === true || process.env.HUB_BEHIND_TLS_PROXY === '1';
  const importMb = opt['import-limit-mb'] ?? process.env.HUB_IMPORT_LIMIT_MB;
  const hub = await startHub({
    db,
    ...(opt.schema ? { schema: opt.schema } : {}),
    port: int(opt.port ?? process.env.HUB_PORT ?? '8787', '--port'),
    host: opt.host ?? process.env.HUB_HOST ?? '127.0.0.1',
    ...(tls ? { tls } : {}),
    behindTlsProxy,
    sender: opt['dev-sender'] ? consoleCodeSender() : channelSender(sendersFromEnv()),
    ...(opt['master-key-file'] ? { masterKeyFile: opt['master-key-file'] } : {}),
    config: { jobs: jobsConfig, pushGroup },
    ...(importMb !== undefined ? { bodyLimits: { import: int(importMb, '--import-limit-mb') * 1024 * 1024 } } : {}),
  });
  // Printed, not logged: the operator needs it once, the log keeps no secrets.
  process.stdout.write(`hub listening on ${hub.url} (store: ${hub.store.location}); OpenAPI at ${hub.url}/docs\n`);
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    void hub.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Commands that only read: everything else is recorded in the audit log with the operating-system user as its actor. */
const readOnly = new Set([
  'products list',
  'factories list',
  'credentials list',
  'credentials show',
  'update list',
  'update show',
  'reports credentials',
  'reports stations',
  'user list',
  'audit',
  'audit verify',
  'history',
  'job',
  'notices',
]);

/** Commands whose id argument is a credential (for the audit's credential filter). */
const aboutCredential = new Set([
  'hub import',
  'hub split',
  'hub assign',
  'hub third-party',
  'hub resources',
  'hub credentials confirm',
  'hub credentials pid',
  'hub update request',
]);

const role = (value: string | undefined): Role => {
  const r = need(value, '--role');
  if (!['platform', 'owner', 'factory', 'auditor'].includes(r))
    throw usageError(`--role must be platform, owner, factory or auditor, got "${r}"`);
  return r as Role;
};

async function runCommand(cmd: string, args: string[]): Promise<unknown> {
  const store = await openStore({ db, ...(opt.schema ? { schema: opt.schema } : {}) });
  const logger = process.env.HUB_LOG_LEVEL ? createHubLogger() : silentLogger;
  // The master key is read only by the commands that seal or open secrets (import, enroll-code, demo, master-key, migrate).
  let ring: Keyring | undefined;
  const keys = (): Keyring => (ring ??= resolveKeyring(store, process.env, opt['master-key-file']));
  const lazyKeyring: Keyring = {
    get current() {
      return keys().current;
    },
    get previous() {
      return keys().previous;
    },
  };
  const deps: HubDeps = {
    instanceId: `cli-${process.pid}`,
    store,
    clock: systemClock,
    logger,
    sender: channelSender({}),
    keyring: lazyKeyring,
    config: defaultHubConfig,
  };
  const actor: Actor = { kind: 'cli', id: null, name: userInfo().username, role: null, via: null };
  const kind = `hub ${args[0] && /^[a-z]+(-[a-z]+)*$/.test(args[0]) ? `${cmd} ${args[0]}` : cmd}`;
  const readsOnly = readOnly.has(kind.slice(4)) || readOnly.has(cmd);
  const target = args.find((x) => /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(x)) ?? null;
  const record = (outcome: string) =>
    audit.appendAudit(deps, {
      actor,
      address: 'local',
      kind,
      credentialId: aboutCredential.has(kind) ? target : null,
      target,
      outcome,
      details: {},
    });
  const [a, b, c] = args;
  const dispatch = async (): Promise<unknown> => {
    switch (`${cmd} ${a ?? ''}`.trim()) {
      case 'migrate': {
        const sealed = await sealAtRest(store, keys(), 'plain');
        return {
          ok: true,
          store: store.location,
          authkeysSealed: sealed.authkeys,
          totpSecretsSealed: sealed.totpSecrets,
          enrollmentCodesRekeyed: sealed.enrollmentCodes,
        };
      }
      case 'master-key rotate': {
        const next = opt['new-key-file'] ?? process.env.HUB_NEW_MASTER_KEY_FILE;
        const to = keyring(resolveKeyring(store, {}, need(next, '--new-key-file')).current, [keys().current, ...keys().previous]);
        const sealed = await sealAtRest(store, to, 'all');
        return { rotated: sealed.authkeys, totpSecretsRotated: sealed.totpSecrets, keyId: to.current.id };
      }
      case 'demo':
        return await seedDemo(deps);
      case 'products list':
        return await products.listProducts(deps);
      case 'products add':
        return await products.upsertProduct(deps, {
          pid: need(b, 'pid'),
          name: need(c, 'name'),
          priceCents: int(args[3], 'priceCents'),
          homekit: !!opt.homekit,
          findmy: !!opt.findmy,
          ...(opt['homekit-price'] !== undefined ? { homekitPriceCents: int(opt['homekit-price'], '--homekit-price') } : {}),
          ...(opt['findmy-price'] !== undefined ? { findmyPriceCents: int(opt['findmy-price'], '--findmy-price') } : {}),
        });
      case 'factories list':
        return await stations.listFactories(deps);
      case 'factories add':
        return await stations.createFactory(deps, need(b, 'name'));
      case 'lines add':
        return await stations.createLine(deps, need(b, 'factoryId'), need(c, 'name'));
      case 'stations add':
        return await stations.createStation(deps, need(b, 'lineId'), need(c, 'name'));
      case 'stations revoke':
        return await stations.revokeStation(deps, need(b, 'stationId'));
      case 'stations contact':
        return await stations.setDownloadContact(deps, need(b, 'stationId'), {
          channel: need(c, 'email|sms') as 'email',
          destination: need(args[3], 'address'),
        });
      case 'credentials list':
        return await credentials.listCredentials(deps, opt.owner ? { owner: opt.owner as 'mine' | 'customer' } : {});
      case 'credentials show':
        return await credentials.getCredential(deps, need(b, 'credential id'));
      case 'credentials confirm':
        return await credentials.confirmCredential(deps, need(b, 'credential id'));
      case 'credentials pid':
        return await credentials.setCredentialPid(deps, need(b, 'credential id'), need(c, 'pid'));
      case 'credentials add':
        return await credentials.createCredential(deps, {
          pid: need(b, 'pid'),
          owner: (opt.owner ?? 'mine') as 'mine' | 'customer',
          deliveryMode: need(opt.mode, '--mode') as 'credential',
          firmwareKey: need(opt['firmware-key'], '--firmware-key'),
          chip: need(opt.chip, '--chip'),
          ...(opt.customer ? { customerName: opt.customer } : {}),
          origin: opt.replacement ? 'replacement' : 'purchase',
        });
      case 'update request':
        return await updates.requestUpdate(deps, need(b, 'credential id'), {
          targetPid: need(c, 'target pid'),
          deliveryMode: need(args[3], 'delivery mode') as 'credential',
        });
      case 'update approve':
        return await updates.approveUpdate(deps, need(b, 'update id'));
      case 'update pay':
        return await updates.payUpdate(deps, need(b, 'update id'), need(c, 'payment reference'));
      case 'update reject':
        return await updates.rejectUpdate(deps, need(b, 'update id'), need(args.slice(2).join(' ') || undefined, 'reason'));
      case 'update recall':
        return await updates.recallUpdate(deps, need(b, 'update id'));
      case 'update list':
        return await updates.listUpdates(deps, need(b, 'credential id'));
      case 'update show':
        return await updates.getUpdate(deps, need(b, 'update id'));
      case 'reports credentials':
        return await reports.credentialReport(deps);
      case 'reports stations':
        return await reports.stationReport(deps);
      case 'user add':
        return await accounts.createAccount(deps, {
          name: need(b, 'account name'),
          role: role(opt.role),
          ...(opt.factory ? { factoryId: opt.factory } : {}),
          ...(opt.email ? { email: opt.email } : {}),
          ...(opt.phone ? { phone: opt.phone } : {}),
        });
      case 'user list':
        return await accounts.listAccounts(deps);
      case 'user disable':
        return await accounts.disableAccount(deps, need(b, 'account name'));
      case 'user reset-password':
        return await accounts.resetPassword(deps, need(b, 'account name'));
      case 'user set-role':
        return await accounts.setRole(deps, need(b, 'account name'), { role: role(c), ...(opt.factory ? { factoryId: opt.factory } : {}) });
      case 'user api-key':
        return await accounts.createApiKey(deps, need(b, 'account name'), need(c, 'key name'));
      case 'user station-access': {
        const orNone = (v: string | undefined): string | null | undefined => (v === undefined ? undefined : v === 'none' ? null : v);
        return await accounts.setStationAccess(deps, need(b, 'account name'), {
          ...(opt['operator-number'] !== undefined ? { operatorNumber: orNone(opt['operator-number']) } : {}),
          ...(opt.badge !== undefined ? { badge: orNone(opt.badge) } : {}),
          ...(opt['clear-station-pin'] ? { clearStationPin: true as const } : {}),
        });
      }
      case 'user station-pin': {
        return await accounts.setStationPin(
          deps,
          need(b, 'account name'),
          readOperatorFile(need(opt['pin-file'], '--pin-file'), 'PIN file').toString('utf8').trim(),
        );
      }
      case 'audit verify':
        return await audit.verifyAudit(deps);
    }
    switch (cmd) {
      case 'master-key':
        if (a === 'generate') return { keyId: writeMasterKeyFile(need(b, 'file')).id, file: b };
        break;
      case 'enroll-code':
        return await stations.createEnrollmentCode(
          deps,
          need(a, 'stationId'),
          opt['ttl-minutes'] !== undefined ? int(opt['ttl-minutes'], '--ttl-minutes', 1) : 24 * 60,
        );
      case 'import':
        return await importLicenseFile(
          deps,
          need(a, 'credential id'),
          opt.free ? 'free' : 'purchased',
          need(b, 'file'),
          readOperatorFile(need(b, 'file'), 'license list'),
        );
      case 'split':
        return await credentials.splitCredential(deps, need(a, 'credential id'), { purchased: int(b, 'purchased'), free: int(c, 'free') });
      case 'assign': {
        const factory = need(opt.factory, '--factory');
        return await credentials.assignCredential(
          deps,
          need(a, 'credential id'),
          factory === 'none' ? { factoryId: null } : { factoryId: factory, lineId: opt.line ?? null, stationId: opt.station ?? null },
        );
      }
      case 'history':
        return await credentials.credentialHistory(deps, need(a, 'credential id'));
      case 'third-party':
        return await jobs.startThirdPartyJob(deps, need(a, 'credential id'), {});
      case 'resources': {
        if (opt.kind !== undefined && opt.kind !== 'homekit' && opt.kind !== 'findmy')
          throw usageError(`--kind is homekit or findmy, got "${opt.kind}"`);
        return new CsvText(await resources.resourcesFile(deps, need(a, 'credential id'), opt.kind ? { kind: opt.kind } : {}));
      }
      case 'job':
        return await jobs.getJob(deps, need(a, 'job id'));
      case 'notices':
        return await jobs.listNotices(deps);
      case 'audit': {
        const { entries } = await audit.queryAudit(deps, {
          ...(opt.actor ? { actor: opt.actor } : {}),
          ...(opt.credential ? { credential: opt.credential } : {}),
          ...(opt.kind ? { kind: opt.kind } : {}),
          ...(opt.from ? { from: opt.from } : {}),
          ...(opt.to ? { to: opt.to } : {}),
          ...(opt['after-seq'] ? { afterSeq: int(opt['after-seq'], '--after-seq') } : {}),
          ...(opt.limit ? { limit: int(opt.limit, '--limit') } : {}),
        });
        return opt.csv ? new CsvText(audit.auditToCsv(entries)) : { entries };
      }
    }
    throw usageError(`unknown command "${[cmd, ...args].join(' ')}"`);
  };
  try {
    const out = await audit.runAs({ actor, address: 'local' }, dispatch);
    if (!readsOnly) await record('ok');
    return out;
  } catch (e) {
    if (!readsOnly) await record(toErrorInfo(e).code).catch(() => undefined);
    throw e;
  } finally {
    await store.close();
  }
}

/** Printed as it is, not as JSON. */
class CsvText {
  constructor(readonly text: string) {}
}

async function main(): Promise<void> {
  const parsed = parseCommandLine(process.argv.slice(2));
  opt = parsed.values;
  db = opt.db !== undefined ? databaseFromCommandLine(opt.db) : (process.env.HUB_DATABASE_URL ?? defaultDbPath);
  const [cmd, ...args] = parsed.positionals;
  if (opt.help || !cmd) {
    process.stdout.write(usage);
    return;
  }
  if (cmd === 'start') return runStart();
  const out = await runCommand(cmd, args);
  if (out instanceof CsvText) {
    process.stdout.write(out.text);
    return;
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  if (cmd === 'audit' && args[0] === 'verify' && (out as { ok: boolean }).ok === false) {
    const v = out as { brokenAt: number; reason: string };
    process.stderr.write(`error AUDIT_CHAIN_BROKEN: the audit log is broken at entry ${v.brokenAt}: ${v.reason}\n`);
    process.exit(1);
  }
}

/** Exit statuses (stable; docs/hub.md): 1 the hub refused, 2 how the command was called, 3 the machine around it, 70 a fault of the hub. */
const exitStatusOf = (code: string): number => {
  if (code === 'CLI_USAGE' || code === 'SECRET_ON_COMMAND_LINE' || code === 'HUB_TLS_REQUIRED') return 2;
  if (code === 'FILE_UNREADABLE' || code === 'PORT_IN_USE' || code.startsWith('STORE_')) return 3;
  if (code === 'INTERNAL') return 70;
  return 1;
};

main().catch((e: unknown) => {
  const errno = (e as NodeJS.ErrnoException | null)?.code;
  const info =
    errno === 'EADDRINUSE'
      ? { code: 'PORT_IN_USE', message: 'The port is taken by another program: choose another with --port.' }
      : toErrorInfo(e);
  // One line in plain words, never a stack trace.
  process.stderr.write(`error ${info.code}: ${info.message}\n`);
  if ('details' in info && info.details && 'errors' in info.details)
    process.stderr.write(`${JSON.stringify(info.details.errors, null, 2)}\n`);
  process.exit(exitStatusOf(info.code));
});

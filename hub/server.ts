/** Starting and stopping a hub: store, services, HTTP app and background jobs, as one thing. */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pino from 'pino';
import { systemClock, type Clock } from '../common/clock';
import { AppError } from '../common/errors';
import { newId } from '../common/ids';
import { logRedactPaths, type Logger } from '../common/log';
import { startAuthkeyOpener } from './services/authkey-opener';
import { resolveKeyring, sealAtRest, type Keyring } from './services/authkeys';
import { buildApp, type BodyLimits, type RateLimits } from './http/app';
import { defaultHubConfig, type AuthConfig, type HubConfig, type HubDeps, type JobConfig, type PushGroupConfig } from './services/context';
import { startJobRunner } from './services/jobs';
import { channelSender, type CodeSender } from './services/sender';
import { openStore, type Store } from './store';

export interface StartHubOptions {
  /** SQLite file path (default `./data/hub.sqlite`) or `postgres://...`. */
  db?: string;
  /** PostgreSQL only: live in this schema (tests use one each). */
  schema?: string;
  port?: number;
  host?: string;
  /** A pino logger (request logs and service logs) or any `Logger`; default: pino to stdout with redaction. */
  logger?: Logger;
  clock?: Clock;
  /** How codes reach people; default: none (sending a code is refused with the reason). */
  sender?: CodeSender;
  /** The master key(s) sealing authkeys; default: from the environment or, on SQLite, `hub.master-key` next to the database (authkeys.ts). */
  keyring?: Keyring;
  /** Read the master key from this file (else HUB_MASTER_KEY_FILE / HUB_MASTER_KEY). */
  masterKeyFile?: string;
  config?: Partial<Omit<HubConfig, 'jobs' | 'auth' | 'pushGroup'>> & {
    jobs?: Partial<JobConfig>;
    auth?: Partial<AuthConfig>;
    pushGroup?: Partial<PushGroupConfig>;
  };
  rateLimits?: Partial<RateLimits>;
  bodyLimits?: Partial<BodyLimits>;
  /** Serve HTTPS with this certificate and key (PEM text; the `hub` command reads them from --tls-cert / --tls-key files). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** The hub sits behind a proxy that terminates TLS: it may listen beyond loopback in plain HTTP, and takes client addresses from X-Forwarded-For. */
  behindTlsProxy?: boolean;
  /** Run the background job loop in this process (default true). */
  runJobs?: boolean;
  /** The built hub console served at /console/ (default dist/console of this tree); null: none. */
  consoleDir?: string | null;
}

export interface RunningHub {
  url: string;
  app: FastifyInstance;
  store: Store;
  deps: HubDeps;
  close(): Promise<void>;
}

export const defaultDbPath = 'data/hub.sqlite';

export function createHubLogger(level = process.env.HUB_LOG_LEVEL ?? 'info'): pino.Logger {
  return pino({ level, redact: { paths: logRedactPaths, censor: '[redacted]' }, base: { service: 'hub' } });
}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/** Tokens, codes and authkeys travel in the clear over plain HTTP: beyond loopback the hub needs TLS, its own or a proxy's. */
export function assertTransportSafe(host: string, opts: Pick<StartHubOptions, 'tls' | 'behindTlsProxy'>): void {
  if (isLoopbackHost(host) || opts.tls || opts.behindTlsProxy) return;
  throw new AppError(
    'HUB_TLS_REQUIRED',
    `The hub would listen on ${host} without TLS: give it a certificate (--tls-cert FILE --tls-key FILE), or say it sits behind a TLS proxy (--behind-tls-proxy), or listen on 127.0.0.1.`,
    { host },
  );
}

const isPino = (l: Logger): l is Logger & FastifyBaseLogger =>
  typeof (l as { levels?: unknown }).levels === 'object' && typeof (l as { level?: unknown }).level === 'string';

/** Builds the app on an open store (tests use it with `app.inject()`; no port). */
export async function createHub(store: Store, opts: Omit<StartHubOptions, 'db' | 'schema' | 'port' | 'host'> = {}) {
  const logger: Logger = opts.logger ?? createHubLogger();
  const config: HubConfig = {
    ...defaultHubConfig,
    ...opts.config,
    jobs: { ...defaultHubConfig.jobs, ...opts.config?.jobs },
    auth: { ...defaultHubConfig.auth, ...opts.config?.auth },
    pushGroup: { ...defaultHubConfig.pushGroup, ...opts.config?.pushGroup },
  };
  const keyring = opts.keyring ?? resolveKeyring(store, process.env, opts.masterKeyFile);
  const deps: HubDeps = {
    instanceId: newId(),
    store,
    clock: opts.clock ?? systemClock,
    logger,
    sender: opts.sender ?? channelSender({}),
    keyring,
    config,
  };
  const sealed = await sealAtRest(store, keyring, 'plain');
  if (sealed.authkeys + sealed.totpSecrets + sealed.enrollmentCodes > 0)
    logger.info({ ...sealed, keyId: keyring.current.id }, 'secrets sealed under the current master key');
  const app = await buildApp({
    deps,
    ...(isPino(logger) ? { loggerInstance: logger } : {}),
    ...(opts.rateLimits ? { rateLimits: opts.rateLimits } : {}),
    ...(opts.bodyLimits ? { bodyLimits: opts.bodyLimits } : {}),
    ...(opts.tls ? { https: opts.tls } : {}),
    trustProxy: opts.behindTlsProxy === true,
    ...(opts.consoleDir !== undefined ? { consoleDir: opts.consoleDir } : {}),
  });
  const runner = opts.runJobs === false ? undefined : startJobRunner(deps, deps.instanceId);
  return {
    app,
    deps,
    runner,
    async close() {
      await runner?.stop();
      await app.close();
    },
  };
}

/** Opens the store (migrating it), listens, and runs the job loop. `close()` undoes all of it. */
export async function startHub(opts: StartHubOptions = {}): Promise<RunningHub> {
  const host = opts.host ?? '127.0.0.1';
  assertTransportSafe(host, opts);
  const logger: Logger = opts.logger ?? createHubLogger();
  // The hub's two worker threads fall back to the main thread when they fail: slower, still correct; logged.
  const store = await openStore({
    db: opts.db ?? defaultDbPath,
    ...(opts.schema ? { schema: opts.schema } : {}),
    checkpointInBackground: {
      onFailure: (err) => logger.warn({ err }, 'the log checkpointer stopped: commits checkpoint the database themselves again (slower)'),
    },
  });
  try {
    const hub = await createHub(store, { ...opts, logger });
    // boots beside the listening: the first big pull finds it ready
    void startAuthkeyOpener((err) =>
      logger.warn({ err }, 'the authkey worker stopped: authkeys open on the main thread (slower big pulls) until it starts again'),
    );
    const address = await hub.app.listen({ port: opts.port ?? 8787, host });
    hub.deps.logger.info({ url: address, store: store.location }, 'hub listening');
    return {
      url: address,
      app: hub.app,
      store,
      deps: hub.deps,
      async close() {
        await hub.close();
        await store.close();
      },
    };
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
}

/**
 * The hub's Fastify app. Routes come from the table in common/hub-api (one
 * zod schema per part: it validates here, documents /docs, and types the
 * station client). Handlers are thin: parse, call one service, return.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { z } from 'zod';
import { AppError, isAppError, toErrorInfo } from '../../common/errors';
import {
  csrfHeader,
  decodeSupervisorHeader,
  errorBodySchema,
  hubRoutes,
  sessionCookie,
  supervisorHeader,
  type Actor,
  type HubRouteDef,
  type HubRouteName,
} from '../../common/hub-api';
import type { StationTable } from '../store/schema';
import { authenticateApiKey, authenticateSession, isApiKey, pendingSteps, type Principal } from '../services/accounts';
import { accountActor, anonymousActor, appendAudit, credentialOf, runAs, safeDetails, stationActor } from '../services/audit';
import type { HubDeps } from '../services/context';
import { authenticateStation } from '../services/stations';
import { handlers, type Ctx } from './handlers';
import { statusFor, validationError } from './errors';
import { defaultConsoleDir, registerConsole } from './console';

declare module 'fastify' {
  interface FastifyRequest {
    station: StationTable | null;
    /** The supervisor a station named for this request (header `x-station-supervisor`). */
    supervisor: string | null;
    principal: Principal | null;
    /** Set by a sign-in: the account the audit entry names. */
    signedInAs: Actor | null;
    /** The error code the request ended with, for its audit entry. */
    errorCode: string | null;
  }
  interface FastifyContextConfig {
    hubRoute?: HubRouteName;
  }
}

export interface RateLimits {
  /** Requests per minute per client address on enrollment and download-code routes. */
  enrollPerMinute: number;
  downloadCodePerMinute: number;
  downloadPerMinute: number;
}
export const defaultRateLimits: RateLimits = { enrollPerMinute: 20, downloadCodePerMinute: 10, downloadPerMinute: 20 };

/** Largest request body per kind of route, in bytes; a bigger one is `413 PAYLOAD_TOO_LARGE`, refused from its Content-Length before it is read. */
export interface BodyLimits {
  /** Every route anyone may call (enrollment, health, unknown paths): the global limit. */
  unauthenticated: number;
  /** A station's push batch. */
  push: number;
  /** License imports (JSON list or a file), the biggest bodies the hub takes. */
  import: number;
  /** Every other authenticated route. */
  other: number;
}
export const defaultBodyLimits: BodyLimits = { unauthenticated: 4 * 1024, push: 1024 * 1024, import: 64 * 1024 * 1024, other: 64 * 1024 };

const bodyLimitOf = (name: HubRouteName, route: HubRouteDef, limits: BodyLimits): number => {
  if (route.auth === 'none') return limits.unauthenticated;
  if (name === 'push') return limits.push;
  if (name === 'importLicenses' || name === 'importLicenseFile') return limits.import;
  return limits.other;
};

export interface BuildAppOptions {
  deps: HubDeps;
  /** A pino logger for request logs (created with `redact: logRedactPaths`); none = no request logs. */
  loggerInstance?: FastifyBaseLogger;
  rateLimits?: Partial<RateLimits>;
  bodyLimits?: Partial<BodyLimits>;
  /** Serve HTTPS with this certificate and key (PEM). */
  https?: { cert: string | Buffer; key: string | Buffer };
  /** The hub sits behind a TLS-terminating proxy: take the client's address from X-Forwarded-For. */
  trustProxy?: boolean;
  version?: string;
  /** Serve the built hub console from this folder at /console/ (default dist/console of this tree); null: not at all. */
  consoleDir?: string | null;
}

/** Routes whose service writes the audit entry of an answered request in its own transaction. */
const auditedInService: ReadonlySet<HubRouteName> = new Set(['push', 'stationReconcile']);

const limited: Partial<Record<HubRouteName, keyof RateLimits>> = {
  enroll: 'enrollPerMinute',
  sendDownloadCode: 'downloadCodePerMinute',
  stationSendDownloadCode: 'downloadCodePerMinute',
  download: 'downloadPerMinute',
  stationDownload: 'downloadPerMinute',
};

function bearerOrNull(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (h === undefined) return null;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  if (!m) throw new AppError('UNAUTHORIZED', 'The Authorization header must be "Bearer <token>".');
  return m[1]!;
}

function bearer(req: FastifyRequest): string {
  const t = bearerOrNull(req);
  if (t === null) throw new AppError('UNAUTHORIZED', 'This request needs a token: send "Authorization: Bearer <token>".');
  return t;
}

function cookie(req: FastifyRequest, name: string): string | null {
  const h = req.headers.cookie;
  if (typeof h !== 'string') return null;
  for (const part of h.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim() || null;
  }
  return null;
}

const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Who is calling an account route: an API key (`Authorization: Bearer hk_...`)
 * or the session cookie. With the cookie, a POST must carry the session's CSRF
 * token in `x-csrf-token` (a page of another site cannot read it). A session
 * whose account must first change its password or set up its second factor
 * reaches only its own `session` routes. Then the route's roles.
 */
async function authenticateAccount(deps: HubDeps, req: FastifyRequest, route: HubRouteDef): Promise<Principal> {
  const token = bearerOrNull(req);
  let p: Principal;
  if (token !== null) {
    if (!isApiKey(token)) throw new AppError('UNAUTHORIZED', 'This token is not an API key of an account (they start with hk_).');
    p = await authenticateApiKey(deps, token);
    if (route.auth === 'session') throw new AppError('SESSION_REQUIRED', 'This needs a signed-in session, not an API key.');
  } else {
    const sessionToken = cookie(req, sessionCookie);
    if (sessionToken === null)
      throw new AppError('UNAUTHORIZED', 'Sign in first (POST /v1/auth/login), or send an API key: "Authorization: Bearer hk_...".');
    p = await authenticateSession(deps, sessionToken);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const given = req.headers[csrfHeader];
      if (typeof given !== 'string' || !sameText(given, p.session!.csrf_token))
        throw new AppError(
          'CSRF_INVALID',
          `Send the session's CSRF token in the ${csrfHeader} header (it comes with the sign-in and GET /v1/auth/session).`,
        );
    }
    if (route.auth === 'account') {
      const pending = pendingSteps(p.account);
      if (pending.includes('change_password'))
        throw new AppError('PASSWORD_CHANGE_REQUIRED', 'Change the one-time password first (POST /v1/account/password).');
      if (pending.includes('setup_totp'))
        throw new AppError(
          'TOTP_SETUP_REQUIRED',
          'A platform account signs in with a second factor: set it up first (POST /v1/account/totp).',
        );
    }
  }
  if (route.roles && !route.roles.includes(p.account.role as never)) {
    throw new AppError(
      'FORBIDDEN',
      `The ${p.account.role} role may not do this (${route.summary.toLowerCase()}); it is for: ${route.roles.join(', ')}.`,
      { role: p.account.role, allowed: [...route.roles] },
    );
  }
  return p;
}

/** The supervisor a station names: a name or number of up to 120 letters, digits, spaces and . _ @ # -. */
function supervisorOf(req: FastifyRequest): string | null {
  const h = req.headers[supervisorHeader];
  if (h === undefined) return null;
  const name = typeof h === 'string' ? decodeSupervisorHeader(h) : null;
  if (name === null)
    throw new AppError(
      'INVALID_REQUEST',
      `The ${supervisorHeader} header names the supervisor (percent-encoded UTF-8): up to 120 letters, digits, spaces and . _ @ # -.`,
    );
  return name;
}

function actorOf(req: FastifyRequest): Actor {
  if (req.signedInAs) return req.signedInAs;
  if (req.principal) return accountActor(req.principal.account, req.principal.apiKey?.id);
  if (req.station) return stationActor(req.station, req.supervisor);
  return anonymousActor;
}

function sessionCookieHeader(req: FastifyRequest, token: string | null, maxAgeMs: number): string {
  // Secure when the hub serves TLS itself (or a trusted proxy says the client used https).
  const secure = req.protocol === 'https' ? '; Secure' : '';
  return token === null
    ? `${sessionCookie}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`
    : `${sessionCookie}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(maxAgeMs / 1000)}${secure}`;
}

/** One audit entry per state-changing request, whatever its outcome (refusals too). */
async function recordRequest(
  deps: HubDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  name: HubRouteName,
  route: HubRouteDef,
): Promise<void> {
  const params = req.params as { id?: unknown } | undefined;
  const target = typeof params?.id === 'string' && params.id.length <= 64 ? params.id : null;
  const body = req.body as Record<string, unknown> | undefined;
  const details = safeDetails(body);
  if (body && Array.isArray(body.items)) details.items = body.items.length;
  await appendAudit(deps, {
    actor: actorOf(req),
    address: req.ip ?? null,
    kind: name,
    credentialId: reply.statusCode === 200 || target ? await credentialOf(deps, route.url, target).catch(() => null) : null,
    target,
    outcome: reply.statusCode === 200 ? 'ok' : (req.errorCode ?? `HTTP_${reply.statusCode}`),
    details,
  });
}

function toJsonSchema(schema: unknown, io: 'input' | 'output'): unknown {
  if (!(schema instanceof z.ZodType)) return schema;
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const { deps } = opts;
  const limits = { ...defaultRateLimits, ...opts.rateLimits };
  const bodyLimits = { ...defaultBodyLimits, ...opts.bodyLimits };
  const app = Fastify({
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: false }),
    ...(opts.https ? { https: { cert: opts.https.cert, key: opts.https.key } } : {}),
    trustProxy: opts.trustProxy === true,
    // A path Fastify cannot even decode (a malformed %-escape) still gets the hub's error shape.
    frameworkErrors: (_err, _req, reply) => {
      void (reply as unknown as FastifyReply)
        .code(400)
        .send({ error: { code: 'BAD_URL', message: 'The request path is not a valid URL: check its %-escapes.' } });
    },
    // The global limit covers what any caller can reach before being known; authenticated routes set their own below.
    bodyLimit: bodyLimits.unauthenticated,
  });
  app.decorateRequest('station', null);
  app.decorateRequest('supervisor', null);
  app.decorateRequest('principal', null);
  app.decorateRequest('signedInAs', null);
  app.decorateRequest('errorCode', null);

  // One schema, three uses: zod validates, the same schema becomes the OpenAPI document, and the types come from it.
  app.setValidatorCompiler(({ schema, httpPart }) => (data: unknown) => {
    const r = (schema as unknown as z.ZodType).safeParse(data);
    return r.success ? { value: r.data } : { error: validationError(httpPart ?? 'request', r.error) };
  });
  // Replies go through Fastify's own serializer, compiled from each route's reply schema (as JSON Schema): a
  // field the schema does not name never leaves the hub, whatever a service returns by mistake.

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Credential hub',
        version: opts.version ?? '0.1.0',
        description: 'Credential lifecycle, station enrollment and sync. Errors: `{ error: { code, message } }`.',
      },
      components: {
        securitySchemes: {
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: sessionCookie,
            description: `Sign in at POST /v1/auth/login; send the CSRF token in ${csrfHeader} with every POST.`,
          },
          apiKey: { type: 'http', scheme: 'bearer', description: "An account's API key (hk_...), with the account's role." },
          station: {
            type: 'http',
            scheme: 'bearer',
            description: `A station's token; the supervisor acting at it in ${supervisorHeader}.`,
          },
        },
      },
    },
    transform: ({ schema, url }) => {
      if (!schema) return { schema, url };
      const s = schema as Record<string, unknown>;
      const out: Record<string, unknown> = { ...s };
      if (s.body) out.body = toJsonSchema(s.body, 'input');
      if (s.params) out.params = toJsonSchema(s.params, 'input');
      if (s.querystring) out.querystring = toJsonSchema(s.querystring, 'input');
      if (s.response)
        out.response = Object.fromEntries(
          Object.entries(s.response as Record<string, unknown>).map(([k, v]) => [k, toJsonSchema(v, 'output')]),
        );
      return { schema: out as typeof schema, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) =>
      Object.assign(new AppError('RATE_LIMITED', `Too many requests: try again in ${Math.ceil(ctx.ttl / 1000)} s.`), { statusCode: 429 }),
  });

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `There is no route ${req.method} ${req.url.split('?')[0]}.` } });
  });

  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    let info = toErrorInfo(err);
    let status: number;
    if (isAppError(err)) {
      status = (err as { statusCode?: number }).statusCode ?? statusFor(err.code);
      if (status === 400 && (err as { validationContext?: string }).validationContext === undefined && statusFor(err.code) !== 400)
        status = statusFor(err.code);
    } else {
      const fe = err as FastifyError;
      const code = fe.code ?? '';
      if (
        code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
        code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
        (fe.statusCode === 400 && err instanceof SyntaxError)
      ) {
        info = { code: 'BAD_JSON', message: 'The request body is not valid JSON.' };
        status = 400;
      } else if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        info = { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.' };
        status = 413;
      } else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        info = { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the body as application/json.' };
        status = 415;
      } else if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
        info = { code: 'INVALID_REQUEST', message: fe.message };
        status = fe.statusCode;
      } else {
        status = 500;
        info = { code: 'INTERNAL', message: 'The hub hit an unexpected error; it was logged.' };
        req.log.error({ err }, 'unexpected error');
      }
    }
    req.errorCode = info.code;
    void reply.code(status).send({ error: info });
  });

  const errorJsonSchema = toJsonSchema(errorBodySchema, 'output');

  app.addHook('onSend', async (req, reply, payload) => {
    const name = req.routeOptions.config.hubRoute;
    const route: HubRouteDef | undefined = name ? hubRoutes[name] : undefined;
    // An answered push or reconcile wrote its entry in its own transaction (push.ts, reconcile.ts); a refused one is recorded here.
    if (name && (route?.method === 'POST' || route?.audited) && !(auditedInService.has(name) && reply.statusCode === 200)) {
      try {
        await recordRequest(deps, req, reply, name, route);
      } catch (err) {
        req.log.error({ err }, 'could not write the audit entry');
      }
    }
    return payload;
  });

  if (opts.consoleDir !== null) registerConsole(app, opts.consoleDir ?? defaultConsoleDir);

  for (const [name, route] of Object.entries(hubRoutes) as [HubRouteName, HubRouteDef][]) {
    const limit = limited[name];
    app.route({
      method: route.method,
      url: route.url,
      bodyLimit: bodyLimitOf(name, route, bodyLimits),
      schema: {
        summary: route.summary,
        tags: [...route.tags],
        ...(route.auth === 'account'
          ? { security: [{ session: [] }, { apiKey: [] }] }
          : route.auth === 'none'
            ? {}
            : { security: [{ [route.auth === 'session' ? 'session' : 'station']: [] }] }),
        ...(route.params ? { params: route.params } : {}),
        ...(route.querystring ? { querystring: route.querystring } : {}),
        ...(route.body ? { body: route.body } : {}),
        response: { 200: toJsonSchema(route.reply, 'output'), '4xx': errorJsonSchema, '5xx': errorJsonSchema },
      } as never,
      config: { hubRoute: name, ...(limit ? { rateLimit: { max: limits[limit], timeWindow: 60_000 } } : {}) },
      // onRequest: who is calling is settled before the body is parsed or validated.
      onRequest: async (req) => {
        if (route.auth === 'account' || route.auth === 'session') {
          req.principal = await authenticateAccount(deps, req, route);
        } else if (route.auth === 'station') {
          req.station = await authenticateStation(deps, bearer(req));
          req.supervisor = supervisorOf(req);
        }
      },
      handler: async (req, reply) => {
        const h = handlers[name] as (deps: HubDeps, ctx: Ctx<HubRouteName>) => Promise<unknown>;
        const ctx = {
          body: req.body,
          params: req.params,
          query: req.query,
          station: req.station,
          principal: req.principal,
          http: {
            address: req.ip ?? null,
            setSession: (token: string | null) =>
              void reply.header('set-cookie', sessionCookieHeader(req, token, deps.config.auth.sessionMaxMs)),
            signedIn: (a: { id: string; name: string; role: string }) => {
              req.signedInAs = accountActor(a);
            },
          },
        } as Ctx<HubRouteName>;
        const result = await runAs({ actor: actorOf(req), address: req.ip ?? null }, () => h(deps, ctx));
        if (route.contentType) return reply.type(`${route.contentType}; charset=utf-8`).send(result);
        return result;
      },
    });
  }
  return app;
}

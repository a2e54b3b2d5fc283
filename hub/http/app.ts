/**
 * The hub's Fastify app. Routes come from the table in common/hub-api (one
 * zod schema per part: it validates here, documents /docs, and types the
 * station client). Handlers are thin: parse, call one service, return.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { z } from 'zod';
import { AppError, isAppError, toErrorInfo } from '../../common/errors';
import { errorBodySchema, hubRoutes, type HubRouteDef, type HubRouteName } from '../../common/hub-api';
import type { StationTable } from '../store/schema';
import type { HubDeps } from '../services/context';
import { authenticateStation } from '../services/stations';
import { handlers } from './handlers';
import { statusFor, validationError } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    station: StationTable | null;
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
  adminToken: string;
  /** A pino logger for request logs (created with `redact: logRedactPaths`); none = no request logs. */
  loggerInstance?: FastifyBaseLogger;
  rateLimits?: Partial<RateLimits>;
  bodyLimits?: Partial<BodyLimits>;
  /** Serve HTTPS with this certificate and key (PEM). */
  https?: { cert: string | Buffer; key: string | Buffer };
  /** The hub sits behind a TLS-terminating proxy: take the client's address from X-Forwarded-For. */
  trustProxy?: boolean;
  version?: string;
}

const limited: Partial<Record<HubRouteName, keyof RateLimits>> = {
  enroll: 'enrollPerMinute',
  sendDownloadCode: 'downloadCodePerMinute', stationSendDownloadCode: 'downloadCodePerMinute',
  download: 'downloadPerMinute', stationDownload: 'downloadPerMinute',
};

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function bearer(req: FastifyRequest): string {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  if (!m) throw new AppError('UNAUTHORIZED', 'This request needs a token: send "Authorization: Bearer <token>".');
  return m[1]!;
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
  const adminDigest = digest(opts.adminToken);
  const app = Fastify({
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: false }),
    ...(opts.https ? { https: { cert: opts.https.cert, key: opts.https.key } } : {}),
    trustProxy: opts.trustProxy === true,
    // A path Fastify cannot even decode (a malformed %-escape) still gets the hub's error shape.
    frameworkErrors: (_err, _req, reply) => {
      void (reply as unknown as FastifyReply).code(400).send({ error: { code: 'BAD_URL', message: 'The request path is not a valid URL: check its %-escapes.' } });
    },
    // The global limit covers what any caller can reach before being known; authenticated routes set their own below.
    bodyLimit: bodyLimits.unauthenticated,
  });
  app.decorateRequest('station', null);

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
      info: { title: 'Credential hub', version: opts.version ?? '0.1.0', description: 'Credential lifecycle, station enrollment and sync. Errors: `{ error: { code, message } }`.' },
      components: { securitySchemes: { admin: { type: 'http', scheme: 'bearer' }, station: { type: 'http', scheme: 'bearer' } } },
    },
    transform: ({ schema, url }) => {
      if (!schema) return { schema, url };
      const s = schema as Record<string, unknown>;
      const out: Record<string, unknown> = { ...s };
      if (s.body) out.body = toJsonSchema(s.body, 'input');
      if (s.params) out.params = toJsonSchema(s.params, 'input');
      if (s.querystring) out.querystring = toJsonSchema(s.querystring, 'input');
      if (s.response) out.response = Object.fromEntries(Object.entries(s.response as Record<string, unknown>).map(([k, v]) => [k, toJsonSchema(v, 'output')]));
      return { schema: out as typeof schema, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => Object.assign(new AppError('RATE_LIMITED', `Too many requests: try again in ${Math.ceil(ctx.ttl / 1000)} s.`), { statusCode: 429 }),
  });

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `There is no route ${req.method} ${req.url.split('?')[0]}.` } });
  });

  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    let info = toErrorInfo(err);
    let status: number;
    if (isAppError(err)) {
      status = (err as { statusCode?: number }).statusCode ?? statusFor(err.code);
      if (status === 400 && (err as { validationContext?: string }).validationContext === undefined && statusFor(err.code) !== 400) status = statusFor(err.code);
    } else {
      const fe = err as FastifyError;
      const code = fe.code ?? '';
      if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (fe.statusCode === 400 && err instanceof SyntaxError)) {
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
    void reply.code(status).send({ error: info });
  });

  const errorJsonSchema = toJsonSchema(errorBodySchema, 'output');
  for (const [name, route] of Object.entries(hubRoutes) as [HubRouteName, HubRouteDef][]) {
    const limit = limited[name];
    app.route({
      method: route.method,
      url: route.url,
      bodyLimit: bodyLimitOf(name, route, bodyLimits),
      schema: {
        summary: route.summary,
        tags: [...route.tags],
        ...(route.auth !== 'none' ? { security: [{ [route.auth]: [] }] } : {}),
        ...(route.params ? { params: route.params } : {}),
        ...(route.querystring ? { querystring: route.querystring } : {}),
        ...(route.body ? { body: route.body } : {}),
        response: { 200: toJsonSchema(route.reply, 'output'), '4xx': errorJsonSchema, '5xx': errorJsonSchema },
      } as never,
      ...(limit ? { config: { rateLimit: { max: limits[limit], timeWindow: 60_000 } } } : {}),
      // onRequest: who is calling is settled before the body is parsed or validated.
      onRequest: async (req) => {
        if (route.auth === 'admin') {
          const given = digest(bearer(req));
          if (!timingSafeEqual(given, adminDigest)) throw new AppError('UNAUTHORIZED', 'This admin token is not valid.');
        } else if (route.auth === 'station') {
          req.station = await authenticateStation(deps, bearer(req));
        }
      },
      handler: async (req) => {
        const h = handlers[name] as (deps: HubDeps, req: { body: unknown; params: unknown; query: unknown; station: StationTable | null }) => Promise<unknown>;
        return h(deps, { body: req.body, params: req.params, query: req.query, station: req.station });
      },
    });
  }
  return app;
}

// The hub API contract the station client is written against: strict payloads, stable error codes.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hubRoutes, pullRequestSchema, pushRequestSchema, type HubRouteDef } from '../../../common/hub-api';
import { statusFor, validationError } from '../../../hub/http/errors';

describe('hub API contract', () => {
  it('every route has a unique method + path, declares each path parameter, and a reply the OpenAPI page can describe', () => {
    const keys = Object.values(hubRoutes).map((r) => `${r.method} ${r.url}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const [name, r] of Object.entries(hubRoutes) as [string, HubRouteDef][]) {
      const inPath = [...r.url.matchAll(/:(\w+)/g)].map((m) => m[1]);
      expect(r.params ? Object.keys((r.params as z.ZodObject).shape) : [], name).toEqual(inPath);
      // Without `unrepresentable: 'any'` this throws on a reply OpenAPI cannot express (a transform, a Date, a custom check).
      const json = z.toJSONSchema(r.reply, { target: 'openapi-3.0', io: 'output' }) as { type?: unknown; anyOf?: unknown; oneOf?: unknown };
      expect(json.type ?? json.anyOf ?? json.oneOf, name).toBeTruthy();
    }
  });

  it('pull defaults the page size and refuses a foreign cursor', () => {
    expect(pullRequestSchema.parse({ cursor: null })).toEqual({ cursor: null, limit: 1000 });
    expect(pullRequestSchema.safeParse({ cursor: 'abc' }).success).toBe(false);
    expect(pullRequestSchema.safeParse({ cursor: null, since: 1 }).success).toBe(false);
  });

  it('push items are strict per kind', () => {
    const burn = { kind: 'burn', key: 'k-00000001', uuid: 'abcdefghij012345', burnedAt: '2026-01-01T00:00:00Z' };
    expect(pushRequestSchema.safeParse({ items: [burn] }).success).toBe(true);
    expect(pushRequestSchema.safeParse({ items: [{ ...burn, authkey: 'x' }] }).success).toBe(false);
    expect(pushRequestSchema.safeParse({ items: [{ ...burn, kind: 'spoiled' }] }).success).toBe(false); // spoiled needs at + reason
    expect(pushRequestSchema.safeParse({ items: Array(201).fill(burn) }).success).toBe(false);
  });

  it('names validation failures by what went wrong', () => {
    const unknown = pullRequestSchema.safeParse({ cursor: null, extra: 1 });
    expect(validationError('body', unknown.error!)).toMatchObject({ code: 'UNKNOWN_FIELD', message: expect.stringContaining('extra') });
    const range = pullRequestSchema.safeParse({ cursor: null, limit: 0 });
    expect(validationError('body', range.error!).code).toBe('OUT_OF_RANGE');
    const type = pullRequestSchema.safeParse({ cursor: 5 });
    expect(validationError('body', type.error!)).toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringContaining('body.cursor'),
    });
  });

  it('maps error codes to HTTP statuses, refusals to 409', () => {
    expect(statusFor('UNKNOWN_FIELD')).toBe(400);
    expect(statusFor('UNAUTHORIZED')).toBe(401);
    expect(statusFor('CREDENTIAL_NOT_FOUND')).toBe(404);
    expect(statusFor('SPLIT_EXCEEDS_UNUSED')).toBe(409);
    expect(statusFor('RATE_LIMITED')).toBe(429);
  });
});

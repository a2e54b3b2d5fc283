// The hub serves the built console at /console/: its files with their content types and a CSP, nothing outside the folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootHub, type TestHub } from './harness';

let dir: string;
let h: TestHub;
let bare: TestHub;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'console-static-'));
  mkdirSync(join(dir, 'console', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'console', 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(dir, 'console', 'assets', 'app-1.js'), 'console.log(1)');
  writeFileSync(join(dir, 'console', 'assets', 'app-1.css'), 'body{}');
  writeFileSync(join(dir, 'console', 'assets', 'font.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
  writeFileSync(join(dir, 'secret.txt'), 'outside');
  h = await bootHub('sqlite', { consoleDir: join(dir, 'console') });
  bare = await bootHub('sqlite', { consoleDir: join(dir, 'not-built') });
});
afterAll(async () => {
  await h.close();
  await bare.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the console's files", () => {
  it('the page at /console/ with a CSP that allows only the hub itself', async () => {
    const res = await h.hub.app.inject({ method: 'GET', url: '/console/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    for (const part of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "font-src 'self'", "frame-ancestors 'none'"])
      expect(csp).toContain(part);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('<title>console</title>');
    const redirect = await h.hub.app.inject({ method: 'GET', url: '/console' });
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe('/console/');
  });

  it('assets with their content types', async () => {
    const types: Record<string, string> = {
      'assets/app-1.js': 'text/javascript; charset=utf-8',
      'assets/app-1.css': 'text/css; charset=utf-8',
      'assets/font.woff2': 'font/woff2',
    };
    for (const [file, type] of Object.entries(types)) {
      const res = await h.hub.app.inject({ method: 'GET', url: `/console/${file}` });
      expect(res.statusCode, file).toBe(200);
      expect(res.headers['content-type'], file).toBe(type);
    }
  });

  it("nothing outside the folder, and an unknown file in the hub's error shape", async () => {
    for (const url of [
      '/console/../secret.txt',
      '/console/%2e%2e/secret.txt',
      '/console/assets/%2e%2e/%2e%2e/secret.txt',
      '/console/nope.js',
    ]) {
      const res = await h.hub.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain('outside');
      expect(JSON.parse(res.body).error.code, url).toBe('ROUTE_NOT_FOUND');
    }
  });

  it('a hub whose console is not built says how to build it', async () => {
    const res = await bare.hub.app.inject({ method: 'GET', url: '/console/' });
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body).error.message).toContain('npm run build -- --console');
  });
});

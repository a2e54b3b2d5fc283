/**
 * The hub console (console/, built by vite into dist/console) as static files
 * at /console/: the browser app reaches the hub's API from the same origin,
 * with the session cookie and its CSRF token. Only files inside the folder,
 * each with its content type and a CSP that allows nothing from elsewhere.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

const mime: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** Same policy as the station's pages; the console talks only to the hub that served it. */
export const consoleContentSecurityPolicy = [
  `default-src 'none'`,
  `script-src 'self'`,
  `style-src 'self'`,
  `img-src 'self' data:`,
  `font-src 'self'`,
  `connect-src 'self'`,
  `base-uri 'none'`,
  `form-action 'none'`,
  `frame-ancestors 'none'`,
  `object-src 'none'`,
].join('; ');

/** The built console of this tree (dist/console next to hub/). */
export const defaultConsoleDir = resolve(import.meta.dirname, '../../dist/console');

const notFound = (reply: FastifyReply, message: string): FastifyReply =>
  reply.code(404).send({ error: { code: 'ROUTE_NOT_FOUND', message } });

export function registerConsole(app: FastifyInstance, dir: string): void {
  const root = resolve(dir);
  app.get('/console', { schema: { hide: true } }, (_req, reply) => reply.redirect('/console/'));
  app.get<{ Params: { '*': string } }>('/console/*', { schema: { hide: true } }, async (req, reply) => {
    const rel = req.params['*'] || 'index.html';
    const file = normalize(join(root, rel));
    if (!file.startsWith(root + sep)) return notFound(reply, `There is no console file ${rel}.`);
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      return notFound(
        reply,
        rel === 'index.html'
          ? 'The console is not built: run "npm run build -- --console" on the hub, then reload.'
          : `There is no console file ${rel}.`,
      );
    }
    const body = await readFile(file);
    return (
      reply
        .header('content-type', mime[extname(file)] ?? 'application/octet-stream')
        .header('content-security-policy', consoleContentSecurityPolicy)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        // hashed asset names may be kept; the page itself always asks again
        .header('cache-control', rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-store')
        .send(body)
    );
  });
}

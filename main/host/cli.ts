import { existsSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createDemoStationApp } from '../api/app';
import { startBrowserHost } from './server';

/**
 * Runs the station in a browser: `npx tsx main/host/cli.ts [--port N]`.
 * Serves dist/renderer (built by `npm run build`, or by this command when missing)
 * and prints the URL with the per-launch secret.
 */
const args = process.argv.slice(2);
const portArg = args.indexOf('--port');
const port = portArg >= 0 ? Number(args[portArg + 1]) : 0;
const staticDir = resolve('dist/renderer');

if (!existsSync(join(staticDir, 'index.html'))) {
  console.log('Building the renderer (vite build)…');
  const { build } = await import('vite');
  await build({ configFile: resolve('vite.config.ts') });
}

const app = createDemoStationApp({ exportDir: process.env.STATION_EXPORT_DIR ?? mkdtempSync(join(tmpdir(), 'station-exports-')) });
const host = await startBrowserHost({ dispatcher: app.dispatcher, staticDir, port });
console.log(`Credential Station (demo services) is running. Open:\n\n  ${host.url}\n\nPress Ctrl+C to stop.`);
const stop = async (): Promise<void> => { app.close(); await host.close(); process.exit(0); };
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

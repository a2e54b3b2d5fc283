import { join, resolve } from 'node:path';
import pino from 'pino';
import { logRedactPaths } from '../../common/log';
import { openStationApp } from '../app';
import { builtRenderer } from './built-renderer';
import { startBrowserHost } from './server';

/**
 * Runs the station in a browser (kiosk stations without a desktop):
 * `npx tsx main/host/cli.ts [--port N] [--data DIR] [--ports DIR]`.
 * The station keeps its vault and settings in DIR (default ./.station, or
 * STATION_DATA_DIR); `--ports` adds a directory of pty links (the virtual
 * fleet's) to the ports it looks at. Prints the URL with the per-launch secret.
 */
const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const port = Number(arg('--port') ?? 0);
const dataDir = resolve(arg('--data') ?? process.env.STATION_DATA_DIR ?? '.station');
const virtualDir = arg('--ports');
const staticDir = await builtRenderer(join(import.meta.dirname, '..', '..'), console.log);

const logger = pino({
  level: process.env.STATION_LOG_LEVEL ?? 'info',
  redact: { paths: logRedactPaths, censor: '[redacted]' },
  base: { service: 'station' },
});
const app = await openStationApp({ dataDir, logger, ...(virtualDir ? { discovery: { virtualDirs: [resolve(virtualDir)] } } : {}) });
const host = await startBrowserHost({ dispatcher: app.dispatcher, staticDir, port, log: logger });
console.log(`Credential Station is running (data in ${dataDir}). Open:\n\n  ${host.url}\n\nPress Ctrl+C to stop.`);
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await host.close();
  await app.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

// npm run build: the renderer with vite (dist/renderer), the hub console with vite
// (dist/console), the Electron main process and the preload with esbuild
// (dist/electron/main.mjs with its seal worker seal-worker.mjs, dist/electron/preload.cjs).
// `--renderer`: the renderer only (what the browser host serves).
// `--console`: the hub console only (what the hub serves at /console/).
import { build as viteBuild } from 'vite';
import { build as esbuild } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const external = ['electron', 'better-sqlite3', 'serialport', '@serialport/*', 'usb', 'electron-store', 'conf', 'pino', '@e965/xlsx'];

const rendererOnly = process.argv.includes('--renderer');
if (process.argv.includes('--console')) {
  await viteBuild({ configFile: `${root}/vite.console.config.ts`, logLevel: 'warn' });
  console.log('Built dist/console');
  process.exit(0);
}
await viteBuild({ configFile: `${root}/vite.config.ts`, ...(rendererOnly ? { logLevel: 'warn' } : {}) });
if (rendererOnly) {
  console.log('Built dist/renderer');
  process.exit(0);
}
await viteBuild({ configFile: `${root}/vite.console.config.ts` });
// The workers are files of their own next to main.mjs (node/worker.ts starts them): the vault import's seal
// worker (main/vault/seal-pipeline.ts), and the embedded hub's authkey opener (hub/services/authkey-opener.ts)
// and log checkpointer (hub/store/checkpointer.ts).
await esbuild({
  entryPoints: {
    main: `${root}/main/electron/main.ts`,
    'seal-worker': `${root}/main/vault/seal-worker.ts`,
    'authkey-worker': `${root}/hub/services/authkey-worker.ts`,
    'checkpoint-worker': `${root}/hub/store/checkpoint-worker.ts`,
  },
  outdir: `${root}/dist/electron`,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  external,
  sourcemap: true,
  // ESM bundles of CommonJS dependencies need require()
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
// A sandboxed preload must be one CommonJS file that requires only electron.
await esbuild({
  entryPoints: [`${root}/preload/index.ts`],
  outfile: `${root}/dist/electron/preload.cjs`,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'chrome130',
  external: ['electron'],
  sourcemap: 'inline',
});
console.log(
  'Built dist/renderer, dist/console, dist/electron/main.mjs, dist/electron/seal-worker.mjs, dist/electron/authkey-worker.mjs, dist/electron/checkpoint-worker.mjs, dist/electron/preload.cjs',
);

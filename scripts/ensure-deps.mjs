// Installs the dependencies on a fresh clone (so `npm start` and `npm test` are
// each one command). The Electron binary cannot always be downloaded: skip it
// and fall back to the browser host.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

if (!existsSync('node_modules/.package-lock.json')) {
  console.log('Installing dependencies (npm ci)...');
  execSync('npm ci', {
    stdio: 'inherit',
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: process.env.ELECTRON_SKIP_BINARY_DOWNLOAD ?? '1' },
  });
}

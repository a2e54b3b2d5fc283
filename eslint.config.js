// Our top-level folders are our layers (ARCHITECTURE.md, STYLE.md): these rules
// report an import that crosses a layer boundary, so review does not have to.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'net', 'child_process', 'crypto', 'http', 'https', 'stream', 'events', 'url', 'util', 'worker_threads', 'zlib', 'tty', 'dgram', 'dns'];
const ourFolders = (names) => names.flatMap((n) => [`**/${n}/*`, `**/${n}`, `../${n}/*`]);

const restrict = (patterns, paths = hardwarePaths) => ({
  'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group: [group], message: 'bad layering: see ARCHITECTURE.md "Layout"' })), paths }],
});

// Bare package names go in `paths` (exact match): as gitignore-style patterns
// they would also match our own files named usb.ts.
const hardware = ['serialport/*', '@serialport/*', 'usb/*'];
const hardwarePaths = ['serialport', 'usb'].map((name) => ({ name, message: 'bad layering: see ARCHITECTURE.md "Layout"' }));
const sqlite = ['better-sqlite3'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'release/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // common/: pure; imports nothing with I/O and nothing of ours.
  {
    files: ['common/**/*.ts'],
    rules: restrict([...nodeBuiltins, ...hardware, ...sqlite, 'electron', 'pino', ...ourFolders(['native', 'main', 'preload', 'renderer', 'hub', 'test'])]),
  },
  // native/: hardware core; no Electron, no database, nothing of ours but common/.
  {
    files: ['native/**/*.ts'],
    ignores: ['native/transport/**'],
    rules: restrict([...hardware, ...sqlite, 'electron', ...ourFolders(['main', 'preload', 'renderer', 'hub', 'test'])]),
  },
  {
    files: ['native/transport/**/*.ts'],
    rules: restrict([...sqlite, 'electron', ...ourFolders(['main', 'preload', 'renderer', 'hub', 'test'])], []),
  },
  // main/: native/ and common/; better-sqlite3 only in the vault; electron only in the shell.
  {
    files: ['main/**/*.ts'],
    ignores: ['main/vault/**', 'main/electron/**'],
    rules: restrict([...hardware, ...sqlite, 'electron', ...ourFolders(['preload', 'renderer', 'hub', 'test'])]),
  },
  {
    files: ['main/vault/**/*.ts'],
    rules: restrict([...hardware, 'electron', ...ourFolders(['preload', 'renderer', 'hub', 'test'])]),
  },
  {
    files: ['main/electron/**/*.ts'],
    rules: restrict([...hardware, ...sqlite, ...ourFolders(['preload', 'renderer', 'hub', 'test'])]),
  },
  // preload/: the typed API only.
  {
    files: ['preload/**/*.ts'],
    rules: restrict([...hardware, ...sqlite, ...ourFolders(['native', 'main', 'renderer', 'hub', 'test'])]),
  },
  // renderer/: React; talks only to the preload API, never to node.
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict([...nodeBuiltins, ...hardware, ...sqlite, 'electron', 'pino', ...ourFolders(['native', 'main', 'preload', 'hub', 'test'])]),
  },
  // hub/: Fastify server; better-sqlite3 only in its store.
  {
    files: ['hub/**/*.ts'],
    ignores: ['hub/store/**'],
    rules: restrict([...hardware, ...sqlite, 'electron', ...ourFolders(['native', 'main', 'preload', 'renderer', 'test'])]),
  },
  {
    files: ['hub/store/**/*.ts'],
    rules: restrict([...hardware, 'electron', ...ourFolders(['native', 'main', 'preload', 'renderer', 'test'])]),
  },
);

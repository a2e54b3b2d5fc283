// Our top-level folders are our layers (ARCHITECTURE.md, STYLE.md): these rules
// report an import that crosses a layer boundary, so review does not have to.
// The rules themselves are in scripts/eslint-layers.mjs; test/unit/lint/ proves each one fires.
import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import layersPlugin from './scripts/eslint-layers.mjs';

const { devDependencies } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

// What each layer may import of ours (`imports`; `typesOnly`: `import type` only) and whether it may use Node built-ins.
// test/ and scripts/ are not layers: they may import everything.
const layers = {
  common: { imports: ['common'], builtins: false },
  native: { imports: ['common', 'native'], builtins: true },
  node: { imports: ['common', 'node'], builtins: true },
  main: { imports: ['common', 'native', 'node', 'main'], builtins: true },
  preload: { imports: ['common', 'preload'], builtins: false },
  renderer: { imports: ['renderer'], typesOnly: ['common'], builtins: false },
  console: { imports: ['console', 'common'], builtins: false },
  hub: { imports: ['common', 'node', 'hub'], builtins: true },
};

// Packages that only some places may import (a folder ends with /; else one file).
const react = ['renderer/', 'console/'];
const packages = {
  serialport: ['native/transport/'],
  '@serialport/*': ['native/transport/'],
  usb: ['native/transport/'],
  'better-sqlite3': ['main/vault/', 'hub/store/'],
  electron: ['main/electron/', 'preload/'],
  'electron-store': ['main/electron/'],
  conf: ['main/settings/'],
  fastify: ['hub/'],
  '@fastify/*': ['hub/'],
  kysely: ['hub/'],
  pg: ['hub/'],
  react,
  'react-dom': react,
  'react-i18next': react,
  zustand: react,
  recharts: react,
  pino: ['native/', 'node/', 'main/', 'hub/'],
  // The one adapter over the xlsx package: swapping the reader is one file.
  '@e965/xlsx': ['node/xlsx.ts'],
  // A devDependency: the test fixtures write their workbooks with it.
  exceljs: ['test/'],
};

// createRequire loads anything by any name: only these files, each for its reason.
const createRequireAllowed = [
  'native/transport/discovery.ts', // resolves serialport's entry for the isolated port-lister child process
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'release/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    plugins: { layers: layersPlugin },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'layers/imports': ['error', { layers, packages, devDependencies: Object.keys(devDependencies) }],
      'layers/literal-import': 'error',
      'layers/no-create-require': 'error',
    },
  },
  { files: createRequireAllowed, rules: { 'layers/no-create-require': 'off' } },
  // migrations.ts imports sync-schema.ts; the way back would close a circle (the Migration type is in db.ts).
  {
    files: ['main/vault/sync-schema.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: './migrations', message: 'migrations.ts imports this file: take the Migration type from ./db.' }] },
      ],
    },
  },
  { files: ['renderer/**/*.{ts,tsx}', 'console/**/*.{ts,tsx}'], languageOptions: { globals: { ...globals.browser } } },
);

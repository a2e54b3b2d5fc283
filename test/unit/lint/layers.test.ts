// Each layering rule of eslint.config.js fires on a sample file, and stays quiet on its allowed twin.
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** The rule ids (and messages) ESLint reports for `code` as if it were the file at `path`. */
async function lint(path: string, code: string): Promise<{ rule: string | null; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return (result?.messages ?? []).map((m) => ({ rule: m.ruleId, message: m.message }));
}
const rules = async (path: string, code: string): Promise<(string | null)[]> => (await lint(path, code)).map((m) => m.rule);

describe('layering lint', () => {
  it('import() only with a string literal, anywhere', async () => {
    expect(await rules('native/sample.ts', 'export const load = async (name: string) => import(name);\n')).toEqual([
      'layers/literal-import',
    ]);
    expect(await rules('test/sample.ts', 'export const load = async (p: string) => import(`./${p}`);\n')).toEqual([
      'layers/literal-import',
    ]);
    expect(await rules('native/sample.ts', "export const load = async () => import('zod');\n")).toEqual([]);
  });

  it('sees dynamic imports, re-exports and type imports across layers, not only import declarations', async () => {
    expect(await lint('native/sample.ts', "export const load = async () => import('../main/ledger');\n")).toEqual([
      { rule: 'layers/imports', message: expect.stringContaining('native/ may not import main/') },
    ]);
    expect(await rules('common/sample.ts', "export * from '../hub/services/sync';\n")).toEqual(['layers/imports']);
    expect(await rules('native/sample.ts', "export type Ledger = typeof import('../main/ledger');\n")).toContain('layers/imports');
    expect(await rules('hub/sample.ts', "import type { Vault } from '../main/vault';\nexport type V = Vault;\n")).toEqual([
      'layers/imports',
    ]);
    expect(
      await rules(
        'main/sample.ts',
        "import { AppError } from '../common/errors';\nimport { readXlsxSheet } from '../node/xlsx';\nexport { AppError, readXlsxSheet };\n",
      ),
    ).toEqual([]);
  });

  it('createRequire only in the files the config allows', async () => {
    const code =
      "import { createRequire } from 'node:module';\nexport const db = createRequire(import.meta.url)('better-sqlite3') as unknown;\n";
    expect(await rules('main/sample.ts', code)).toEqual(['layers/no-create-require']);
    expect(await rules('test/sample.ts', "import mod from 'node:module';\nexport const r = mod.createRequire(import.meta.url);\n")).toEqual(
      ['layers/no-create-require', 'layers/no-create-require'],
    );
    expect(
      await rules(
        'native/transport/discovery.ts',
        "import { createRequire } from 'node:module';\nexport const entry = createRequire(import.meta.url).resolve('serialport');\n",
      ),
    ).toEqual([]);
  });

  it('renderer/ takes only types from common/', async () => {
    expect(
      await lint('renderer/sample.ts', "import { apiChannels } from '../common/api/contract';\nexport const n = apiChannels.length;\n"),
    ).toEqual([{ rule: 'layers/imports', message: expect.stringContaining('only types from common/') }]);
    expect(
      await rules('renderer/sample.ts', "import type { SlotState } from '../common/api/schemas';\nexport type S = SlotState;\n"),
    ).toEqual([]);
  });

  it('console/ imports common/ (values too) and nothing else of ours; no hub, renderer or Node-only package', async () => {
    expect(
      await rules(
        'console/sample.ts',
        "import { hubRoutes } from '../common/hub-api';\nimport { licenseListCsv } from '../common/license-file';\nexport const n = [hubRoutes, licenseListCsv];\n",
      ),
    ).toEqual([]);
    expect(await lint('console/sample.ts', "import { buildApp } from '../hub/http/app';\nexport const b = buildApp;\n")).toEqual([
      { rule: 'layers/imports', message: expect.stringContaining('console/ may not import hub/') },
    ]);
    expect(await rules('console/sample.ts', "import type { Store } from '../renderer/state/store';\nexport type S = Store;\n")).toEqual([
      'layers/imports',
    ]);
    expect(await rules('console/sample.ts', "export const x = async () => import('../node/xlsx');\n")).toEqual(['layers/imports']);
    expect(await rules('console/sample.ts', "import ExcelJS from 'exceljs';\nexport const e = ExcelJS;\n")).toEqual(['layers/imports']);
    expect(await rules('console/sample.ts', "import Fastify from 'fastify';\nexport const f = Fastify;\n")).toEqual(['layers/imports']);
  });

  it('common/ does no I/O: no Node built-in in any spelling, no xlsx package', async () => {
    expect(await rules('common/sample.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).toEqual([
      'layers/imports',
    ]);
    expect(await rules('common/sample.ts', "import { connect } from 'net';\nexport const c = connect;\n")).toEqual(['layers/imports']);
    expect(await rules('common/sample.ts', "export const cp = process.getBuiltinModule('child_process');\n")).toEqual(['layers/imports']);
    expect(await rules('common/sample.ts', "export const load = async () => import('@e965/xlsx');\n")).toEqual(['layers/imports']);
    expect(await rules('node/xlsx.ts', "export const load = async () => import('@e965/xlsx');\n")).toEqual([]);
    expect(await rules('main/sample.ts', "export const load = async () => import('exceljs');\n")).toEqual(['layers/imports']);
  });

  it('fastify, kysely and pg only under hub/; react only under renderer/ and console/', async () => {
    expect(await rules('main/sample.ts', "import Fastify from 'fastify';\nexport const f = Fastify;\n")).toEqual(['layers/imports']);
    expect(await rules('native/sample.ts', "import { Kysely } from 'kysely';\nexport const k = Kysely;\n")).toEqual(['layers/imports']);
    expect(await rules('common/sample.ts', "import pg from 'pg';\nexport const p = pg;\n")).toEqual(['layers/imports']);
    expect(
      await rules(
        'hub/sample.ts',
        "import Fastify from 'fastify';\nimport { Kysely } from 'kysely';\nimport pg from 'pg';\nexport { Fastify, Kysely, pg };\n",
      ),
    ).toEqual([]);
    expect(await rules('main/sample.ts', "import { useState } from 'react';\nexport const u = useState;\n")).toEqual(['layers/imports']);
    expect(await rules('hub/sample.tsx', "import { createRoot } from 'react-dom/client';\nexport const c = createRoot;\n")).toEqual([
      'layers/imports',
    ]);
    expect(
      await rules(
        'console/sample.tsx',
        "import { useState } from 'react';\nimport type { ErrorInfo } from '../common/errors';\nexport const u = useState;\nexport type E = ErrorInfo;\n",
      ),
    ).toEqual([]);
    expect(await rules('console/sample.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).toEqual([
      'layers/imports',
    ]);
  });

  it('no devDependency where the app runs', async () => {
    expect(await lint('main/host/sample.ts', "export const load = async () => import('vite');\n")).toEqual([
      { rule: 'layers/imports', message: expect.stringContaining('devDependency') },
    ]);
    expect(await rules('scripts/sample.ts', "export const load = async () => import('vite');\n")).toEqual([]);
  });

  it('the vault migration list and the sync tables do not import each other', async () => {
    expect(
      await rules('main/vault/sync-schema.ts', "import type { Migration } from './migrations';\nexport type M = Migration;\n"),
    ).toEqual(['no-restricted-imports']);
  });

  it('the tree as it is passes: the registry names its protocols, the vault has no circle', async () => {
    const results = await eslint.lintFiles([
      'native/protocols/index.ts',
      'main/vault/migrations.ts',
      'main/vault/sync-schema.ts',
      'common/import/license-list.ts',
      'node/xlsx.ts',
    ]);
    expect(results.flatMap((r) => r.messages.map((m) => `${r.filePath}: ${m.ruleId} ${m.message}`))).toEqual([]);
  });
});

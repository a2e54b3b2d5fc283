import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from '../../../renderer/i18n/en';
import { zhCN } from '../../../renderer/i18n/zh-CN';
import { burnFailureCodeSchema } from '../../../common/api/schemas';

const flatten = (o: object, prefix = ''): Record<string, string> =>
  Object.entries(o).reduce<Record<string, string>>(
    (acc, [k, v]) => (typeof v === 'string' ? { ...acc, [`${prefix}${k}`]: v } : { ...acc, ...flatten(v as object, `${prefix}${k}.`) }),
    {},
  );
const root = resolve(import.meta.dirname, '../../..');
const sources = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') || e.name.endsWith('.tsx') ? [join(root, dir, e.name)] : [],
  );
/** Every error code the sources can answer: `new AppError('CODE'`, and codes given as `code: 'CODE'` or `..._CODE = 'CODE'`. */
const errorCodes = (): string[] => {
  const codes = new Set<string>();
  for (const file of ['common', 'main', 'native', 'hub', 'renderer'].flatMap(sources)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/AppError\(\s*'([A-Z][A-Z0-9_]+)'/g)) codes.add(m[1]!);
    for (const m of text.matchAll(/(?:\bcode|[A-Z_]+_CODE|HUB_[A-Z_]+)\s*[:=]\s*'([A-Z][A-Z0-9_]{3,})'/g)) codes.add(m[1]!);
  }
  return [...codes].sort();
};
const vars = (s: string): string[] => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!).sort();

describe('translations', () => {
  it('Simplified Chinese has every English key with the same placeholders', () => {
    const e = flatten(en);
    const z = flatten(zhCN);
    for (const key of Object.keys(e)) {
      expect(z[key], key).toBeDefined();
      expect(vars(z[key]!), key).toEqual(vars(e[key]!));
    }
  });

  it('Simplified Chinese has words for every error code in the sources', () => {
    const codes = errorCodes();
    expect(codes.length).toBeGreaterThan(150);
    expect(codes).toContain('NOT_YOUR_GROUP');
    const missing = codes.filter((c) => typeof zhCN.errors[c] !== 'string' || zhCN.errors[c]!.length === 0);
    expect(missing).toEqual([]);
    // Chinese words, not a copy of the English
    for (const c of codes) expect(zhCN.errors[c], c).toMatch(/[\u4e00-\u9fff]/);
  });

  it('every burn failure has words with what to do', () => {
    for (const [code, text] of Object.entries(en.burnError)) expect(text, code).toMatch(/\{\{slot\}\}/);
    // every code a slot can show has its sentence and its short name (the dashboard's)
    for (const code of burnFailureCodeSchema.options) {
      expect((en.burnError as Record<string, string>)[code], code).toBeDefined();
      expect((en.reason as Record<string, string>)[code], code).toBeDefined();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { en } from '../../../renderer/i18n/en';
import { zhCN } from '../../../renderer/i18n/zh-CN';
import { burnFailureCodeSchema } from '../../../common/api/schemas';

const flatten = (o: object, prefix = ''): Record<string, string> =>
  Object.entries(o).reduce<Record<string, string>>((acc, [k, v]) => (typeof v === 'string' ? { ...acc, [`${prefix}${k}`]: v } : { ...acc, ...flatten(v as object, `${prefix}${k}.`) }), {});
const vars = (s: string): string[] => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!).sort();

describe('translations', () => {
  it('Simplified Chinese has every English key with the same placeholders', () => {
    const e = flatten(en); const z = flatten(zhCN);
    for (const key of Object.keys(e)) {
      expect(z[key], key).toBeDefined();
      expect(vars(z[key]!), key).toEqual(vars(e[key]!));
    }
  });

  it('every burn failure has words with what to do', () => {
    for (const [code, text] of Object.entries(en.burnError)) if (code !== 'suspect') expect(text, code).toMatch(/\{\{slot\}\}/);
    // every code a slot can show has its sentence and its short name (the dashboard's)
    for (const code of burnFailureCodeSchema.options) {
      expect((en.burnError as Record<string, string>)[code], code).toBeDefined();
      expect((en.reason as Record<string, string>)[code], code).toBeDefined();
    }
  });
});

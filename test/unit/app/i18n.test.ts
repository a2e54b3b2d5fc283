import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import i18next from 'i18next';
import { stationFailureCodeSchema } from '../../../common/api/schemas';
import { outcomeTexts } from '../../../main/app/views';
import { addOutcomeTexts, resources } from '../../../renderer/i18n';
import type { en } from '../../../renderer/i18n/en';

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
/** The dictionaries as the screen has them once it added the words the station's protocols bring from their folders. */
async function screenDictionaries(): Promise<{ en: typeof en; zhCN: typeof en }> {
  const i18n = i18next.createInstance();
  await i18n.init({ resources: structuredClone(resources), lng: 'en', interpolation: { escapeValue: false } });
  addOutcomeTexts(i18n, outcomeTexts());
  return {
    en: i18n.getResourceBundle('en', 'translation') as typeof en,
    zhCN: i18n.getResourceBundle('zh-CN', 'translation') as typeof en,
  };
}
const vars = (s: string): string[] => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!).sort();

describe('translations', () => {
  it('Simplified Chinese has every English key with the same placeholders', async () => {
    const { en, zhCN } = await screenDictionaries();
    const e = flatten(en);
    const z = flatten(zhCN);
    for (const key of Object.keys(e)) {
      expect(z[key], key).toBeDefined();
      expect(vars(z[key]!), key).toEqual(vars(e[key]!));
    }
  });

  it("Simplified Chinese has words for every error code in the sources (a protocol's own, from its folder)", async () => {
    const { zhCN } = await screenDictionaries();
    const codes = errorCodes();
    expect(codes.length).toBeGreaterThan(150);
    expect(codes).toContain('NOT_YOUR_GROUP');
    const missing = codes.filter((c) => typeof zhCN.errors[c] !== 'string' || zhCN.errors[c]!.length === 0);
    expect(missing).toEqual([]);
    // Chinese words, not a copy of the English
    for (const c of codes) expect(zhCN.errors[c], c).toMatch(/[\u4e00-\u9fff]/);
  });

  it('every burn failure has words with what to do', async () => {
    const screen = await screenDictionaries();
    const protocolCodes = outcomeTexts().outcomes.map((o) => o.code);
    expect(protocolCodes).toEqual(expect.arrayContaining(['MAC_UNREADABLE', 'OTP_UNSUPPORTED']));
    for (const dictionary of [screen.en, screen.zhCN]) {
      for (const [code, text] of Object.entries(dictionary.burnError)) expect(text, code).toMatch(/\{\{slot\}\}/);
      // every code a slot can show has its sentence and its short name (the dashboard's): the station's, and each protocol's own
      for (const code of [...stationFailureCodeSchema.options, ...protocolCodes]) {
        expect((dictionary.burnError as Record<string, string>)[code], code).toBeDefined();
        expect((dictionary.reason as Record<string, string>)[code], code).toBeDefined();
      }
    }
  });

  it("names the station's protocols in UNKNOWN_PROTOCOL's Chinese words, from the list main gives", async () => {
    const { zhCN } = await screenDictionaries();
    expect(zhCN.errors['UNKNOWN_PROTOCOL']).toBe('未知协议：请使用 tuya-auc 或 tuyaopen-cli。');
    const i18n = i18next.createInstance();
    await i18n.init({ resources: structuredClone(resources), lng: 'zh-CN' });
    addOutcomeTexts(i18n, { protocols: ['tuyaopen-cli'], outcomes: [] });
    expect(i18n.t('errors.UNKNOWN_PROTOCOL')).toBe('未知协议：请使用 tuyaopen-cli。');
  });
});

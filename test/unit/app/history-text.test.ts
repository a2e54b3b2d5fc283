import { describe, expect, it } from 'vitest';
import i18next from 'i18next';
import { historyEventSchema, type HistoryEntry, type HistoryFacts, type OfflineOutcome } from '../../../common/api/schemas';
import { resources } from '../../../renderer/i18n';
import { historyText, money, outcomeText } from '../../../renderer/state/history-text';

const facts = (over: Partial<HistoryFacts> = {}): HistoryFacts => ({
  licenses: null,
  purchased: null,
  free: null,
  product: null,
  fromProduct: null,
  toProduct: null,
  deliveryMode: null,
  amountCents: null,
  party: null,
  kinds: null,
  status: null,
  code: null,
  reason: null,
  ...over,
});
const entry = (event: HistoryEntry['event'], over: Partial<HistoryFacts> = {}): HistoryEntry => ({
  id: 'e1',
  groupId: 'g1',
  kind: 'updated',
  event,
  at: '2026-03-10T10:00:00.000Z',
  facts: facts(over),
});

const fixed = async (language: string) => {
  const i = i18next.createInstance();
  await i.init({ resources, lng: language, fallbackLng: false, interpolation: { escapeValue: false } });
  const missing: string[] = [];
  const t = (key: string, options?: Record<string, unknown>): string => {
    if (!i.exists(key)) missing.push(key);
    return i.t(key, options ?? {});
  };
  return { t, exists: (k: string) => i.exists(k), missing };
};

describe('history and offline operations as sentences', () => {
  it('money carries its currency', () => {
    expect(money('en', 720)).toBe('$7.20');
    expect(money('zh-CN', 720)).toBe('US$7.20');
  });

  for (const language of ['en', 'zh-CN']) {
    it(`every history event reads as a sentence in ${language}, with names and money, no placeholders or keys left`, async () => {
      const { t, exists, missing } = await fixed(language);
      for (const event of historyEventSchema.options) {
        for (const over of [
          {},
          { amountCents: 720, party: 'other_station' as const, kinds: ['homekit' as const] },
          { status: 'rejected' as const, code: 'NOT_ENOUGH_LICENSES', reason: 'Not enough licenses' },
        ]) {
          const text = historyText(
            t,
            exists,
            language,
            entry(event, { licenses: 120, purchased: 100, free: 20, product: 'Plug', fromProduct: 'Plug', toProduct: 'Bulb', ...over }),
          );
          expect(text, event).not.toMatch(/\{\{|history\.|undefined|null|_/);
        }
      }
      expect(missing).toEqual([]);
      const requested = historyText(
        t,
        exists,
        language,
        entry('update_requested', { licenses: 120, fromProduct: 'Plug', toProduct: 'Bulb', amountCents: 720 }),
      );
      expect(requested).toContain('Plug');
      expect(requested).toContain('Bulb');
      expect(requested).toContain('7.20');
      expect(requested).not.toContain('720');
      // a change the platform rejected says so with the platform's reason, as typed
      const rejected = historyText(t, exists, language, entry('update_rejected', { reason: 'Bulb needs a new certificate' }));
      expect(rejected).toMatch(language === 'en' ? /^Product change rejected by the platform: / : /^平台驳回了产品更换：/);
      expect(rejected).toContain('Bulb needs a new certificate');
    });
  }

  it('an offline operation in Chinese: what, the hub refusal by its code, what the station did', async () => {
    const { t, exists, missing } = await fixed('zh-CN');
    const o: OfflineOutcome = {
      id: 'o1',
      kind: 'split',
      summary: 'Split 5 licenses of "Plug" into "Plug 2"',
      groupId: 'g1',
      licenses: 5,
      status: 'rejected',
      code: 'SPLIT_EXCEEDS_UNUSED',
      reason: 'not that many',
      localAction: 'Split undone: 5 licenses returned to group "Plug".',
      at: 't',
    };
    const text = outcomeText(t, exists, 'zh-CN', o, 'Plug');
    expect(text.what).toBe('拆分“Plug”的 5 个授权');
    expect(text.reason).toBe(resources['zh-CN'].translation.errors.SPLIT_EXCEEDS_UNUSED);
    expect(text.local).toBe('拆分已撤销：授权已回到原分组。');
    for (const kind of ['reassign', 'transfer_out', 'transfer_in'] as const)
      expect(outcomeText(t, exists, 'zh-CN', { ...o, kind }, null).what).toMatch(/[\u4e00-\u9fff]/);
    expect(missing).toEqual([]);
    // English keeps the station's own sentences
    const en = await fixed('en');
    expect(outcomeText(en.t, en.exists, 'en', o, 'Plug')).toEqual({ what: o.summary, reason: 'not that many', local: o.localAction });
  });
});

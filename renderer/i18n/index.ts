import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { zhCN } from './zh-CN';
import type { Language, OutcomeTexts } from '../../common/api/schemas';
import type { ErrorInfo } from '../../common/errors';

export const resources = { en: { translation: en }, 'zh-CN': { translation: zhCN } } as const;

export async function initI18n(language: Language = 'en'): Promise<typeof i18next> {
  await i18next
    .use(initReactI18next)
    .init({ resources, lng: language, fallbackLng: 'en', interpolation: { escapeValue: false }, returnNull: false });
  return i18next;
}

/** An error from main in the current language: the translated text for its code when there is one, else main's own words. */
export function errorText(
  t: (key: string, opts?: Record<string, unknown>) => string,
  exists: (key: string) => boolean,
  error: Pick<ErrorInfo, 'code' | 'message'>,
  language: string,
): string {
  const key = `errors.${error.code}`;
  return language !== 'en' && exists(key) ? t(key) : error.message;
}

/** Names as a Chinese list of choices: "a 或 b", "a、b 或 c". */
const zhChoices = (names: readonly string[]): string =>
  names.length < 2 ? names.join('') : `${names.slice(0, -1).join('、')} 或 ${names.at(-1)!}`;

/**
 * Adds what the station's protocols bring from their folders (station.outcomeTexts) to the dictionaries:
 * each protocol's own outcome codes (the slot's sentence, the dashboard's short name and, in Chinese, the
 * words for the error), and the protocols' names in UNKNOWN_PROTOCOL's words.
 */
export function addOutcomeTexts(i18n: Pick<typeof i18next, 'addResourceBundle' | 't'>, texts: OutcomeTexts): void {
  for (const language of ['en', 'zh-CN'] as const) {
    const words = (pick: (w: OutcomeTexts['outcomes'][number][typeof language]) => string) =>
      Object.fromEntries(texts.outcomes.map((o) => [o.code, pick(o[language])]));
    i18n.addResourceBundle(language, 'translation', { burnError: words((w) => w.burnError), reason: words((w) => w.reason) }, true, true);
  }
  const zhErrors = Object.fromEntries(texts.outcomes.map((o) => [o.code, o['zh-CN'].error]));
  zhErrors['UNKNOWN_PROTOCOL'] = i18n.t('errors.UNKNOWN_PROTOCOL', { lng: 'zh-CN', protocols: zhChoices(texts.protocols) });
  i18n.addResourceBundle('zh-CN', 'translation', { errors: zhErrors }, true, true);
}

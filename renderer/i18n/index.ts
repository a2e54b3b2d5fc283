import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { zhCN } from './zh-CN';
import type { Language } from '../../common/api/schemas';
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

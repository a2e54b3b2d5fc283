import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { ErrorInfo } from '../../common/errors';
import { en } from './en';
import { zhCN } from './zh-CN';
import { zhCNReasons } from './zh-CN-reasons';
import type { Language } from '../state/store';

export const resources = { en: { translation: en }, 'zh-CN': { translation: zhCN } } as const;

export async function initI18n(language: Language): Promise<typeof i18next> {
  await i18next
    .use(initReactI18next)
    .init({ resources, lng: language, fallbackLng: 'en', interpolation: { escapeValue: false }, returnNull: false });
  return i18next;
}

/** A hub refusal in the current language: the translation of its code when there is one, else the hub's own words (English). */
export function errorText(error: Pick<ErrorInfo, 'code' | 'message'>, language: string): string {
  const words = language === 'zh-CN' ? zhCN.errors[error.code] : undefined;
  return words ?? error.message;
}

/** Why the hub does not allow an action, in the current language (the hub's English sentence when there are no words for it). */
export const reasonText = (reason: string, language: string): string => (language === 'zh-CN' ? zhCNReasons[reason] : undefined) ?? reason;

/** Money in cents of `currency` (the hub names it where it computes an amount) as the console shows it. */
export const money = (cents: number, language: string, currency = 'USD'): string =>
  new Intl.NumberFormat(language, { style: 'currency', currency }).format(cents / 100);

export const dateTime = (iso: string | null | undefined, language: string): string =>
  iso ? new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)) : '—';

import { create } from 'zustand';
import type { Role, Session } from '../../common/hub-api';
import type { ErrorInfo } from '../../common/errors';

export type Language = 'en' | 'zh-CN';
export const languages: readonly Language[] = ['en', 'zh-CN'];
export type Screen = 'credentials' | 'approvals' | 'factories' | 'fleet' | 'audit';

/** The screens each role sees, in the order of the navigation (docs/console.md). */
export const screensFor: Record<Role, readonly Screen[]> = {
  platform: ['credentials', 'approvals', 'fleet', 'audit'],
  owner: ['credentials', 'approvals', 'factories', 'fleet', 'audit'],
  factory: ['credentials', 'factories', 'fleet'],
  auditor: ['credentials', 'fleet', 'audit'],
};

/** A line at the top: a translated message (`key` with `vars`) or a hub refusal (its code, translated when the language has it). */
export type Notice =
  { kind: 'success' | 'info' | 'error'; key: string; vars?: Record<string, unknown> } | { kind: 'error'; error: ErrorInfo };

export interface ConsoleState {
  stage: 'loading' | 'signedOut' | 'signedIn';
  session: Session | null;
  /** Why the sign-in page shows: the session expired, or the account signed out. */
  signedOutReason: 'expired' | 'signedOut' | null;
  screen: Screen;
  language: Language;
  notice: Notice | null;
}

export interface Store extends ConsoleState {
  set: (patch: Partial<ConsoleState>) => void;
}

const savedLanguage = (): Language => {
  try {
    const l = globalThis.localStorage?.getItem('console.language');
    return l === 'zh-CN' ? 'zh-CN' : 'en';
  } catch {
    return 'en';
  }
};

export const useStore = create<Store>()((set) => ({
  stage: 'loading',
  session: null,
  signedOutReason: null,
  screen: 'credentials',
  language: savedLanguage(),
  notice: null,
  set: (patch) => set(patch),
}));

export const say = (notice: Notice | null): void => useStore.getState().set({ notice });

import type { HubClient } from '../api';
import { HubError } from '../api';
import type { Session } from '../../common/hub-api';
import { say, screensFor, useStore } from './store';

const signedIn = (client: HubClient, session: Session): void => {
  client.setCsrfToken(session.csrfToken);
  const { screen } = useStore.getState();
  const screens = screensFor[session.account.role];
  useStore
    .getState()
    .set({ stage: 'signedIn', session, signedOutReason: null, screen: screens.includes(screen) ? screen : screens[0]!, notice: null });
};

/** On load: an open session of this browser continues, else the sign-in page. */
export async function boot(client: HubClient): Promise<void> {
  try {
    signedIn(client, await client.call('session'));
  } catch {
    useStore.getState().set({ stage: 'signedOut' });
  }
}

export type SignInResult = { ok: true } | { ok: false; needTotp: boolean; error: HubError };

export async function signIn(client: HubClient, name: string, password: string, totp?: string): Promise<SignInResult> {
  try {
    signedIn(client, await client.call('login', { body: { name, password, ...(totp ? { totp } : {}) } }));
    return { ok: true };
  } catch (e) {
    const error = e instanceof HubError ? e : new HubError('INTERNAL', String(e), 0);
    return { ok: false, needTotp: error.code === 'SECOND_FACTOR_REQUIRED', error };
  }
}

/** After a step of the sign-in (new password, second factor), the session as the hub now sees it. */
export const refreshSession = (client: HubClient, session: Session): void => signedIn(client, session);

export async function signOut(client: HubClient): Promise<void> {
  await client.call('logout').catch(() => undefined);
  client.setCsrfToken(null);
  useStore.getState().set({ stage: 'signedOut', session: null, signedOutReason: 'signedOut', notice: null });
}

/** The hub answered 401 to a signed-in request: the session expired or was ended elsewhere. */
export function sessionLost(client: HubClient): void {
  if (useStore.getState().stage !== 'signedIn') return;
  client.setCsrfToken(null);
  say(null);
  useStore.getState().set({ stage: 'signedOut', session: null, signedOutReason: 'expired' });
}

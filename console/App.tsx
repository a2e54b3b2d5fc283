import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { HubClient } from './api';
import { HubContext } from './context';
import { NoticeBar } from './components/NoticeBar';
import { sessionLost, signOut } from './state/session';
import { languages, screensFor, useStore, type Language } from './state/store';
import { SignIn } from './screens/SignIn';
import { Credentials } from './screens/Credentials';
import { Approvals } from './screens/Approvals';
import { Factories } from './screens/Factories';
import { Fleet } from './screens/Fleet';
import { Audit } from './screens/Audit';

export function App({ client }: { client: HubClient }) {
  const { t, i18n } = useTranslation();
  const { stage, session, screen, language, set } = useStore();

  useEffect(() => {
    if (i18n.language !== language) void i18n.changeLanguage(language);
    document.documentElement.lang = language;
    try {
      localStorage.setItem('console.language', language);
    } catch {
      /* private mode: the choice lasts this page */
    }
  }, [language, i18n]);

  // the session's absolute end: back to the sign-in page without waiting for the next click
  useEffect(() => {
    if (!session) return;
    const ms = Date.parse(session.expiresAt) - Date.now();
    const timer = setTimeout(() => sessionLost(client), Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    return () => clearTimeout(timer);
  }, [session, client]);

  const setLanguage = (l: Language): void => set({ language: l });
  const screens = session ? screensFor[session.account.role] : [];

  return (
    <HubContext.Provider value={client}>
      <header className="topbar">
        <span className="brand">{t('app.title')}</span>
        {stage === 'signedIn' && session ? (
          <nav aria-label={t('app.screens')}>
            {screens.map((s) => (
              <button
                key={s}
                aria-current={screen === s ? 'page' : undefined}
                onClick={() => set({ screen: s, notice: null })}
                data-testid={`nav-${s}`}
              >
                {t(`nav.${s}`)}
              </button>
            ))}
          </nav>
        ) : null}
        <span className="spacer" />
        {session ? (
          <span className="who" data-testid="who">
            {t('app.signedInAs', { name: session.account.name, role: t(`role.${session.account.role}`) })}
          </span>
        ) : null}
        <div className="lang" role="group" aria-label={t('app.language')}>
          {languages.map((l) => (
            <button key={l} className="small" aria-pressed={language === l} onClick={() => setLanguage(l)} data-testid={`lang-${l}`}>
              {l === 'en' ? 'EN' : '中文'}
            </button>
          ))}
        </div>
        {session ? (
          <button className="small" onClick={() => void signOut(client)} data-testid="sign-out">
            {t('app.signOut')}
          </button>
        ) : null}
      </header>
      <NoticeBar />
      {stage === 'loading' ? (
        <main>
          <p>{t('app.loading')}</p>
        </main>
      ) : null}
      {stage === 'signedOut' || (stage === 'signedIn' && session && session.pending.length > 0) ? <SignIn /> : null}
      {stage === 'signedIn' && session && session.pending.length === 0 ? (
        <main>
          {screen === 'credentials' ? <Credentials /> : null}
          {screen === 'approvals' ? <Approvals /> : null}
          {screen === 'factories' ? <Factories /> : null}
          {screen === 'fleet' ? <Fleet /> : null}
          {screen === 'audit' ? <Audit /> : null}
        </main>
      ) : null}
    </HubContext.Provider>
  );
}

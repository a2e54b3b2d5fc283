import { useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { StationApi } from '../common/api/types';
import type { Language } from '../common/api/schemas';
import { StationContext } from './context';
import type { Controller } from './state/controller';
import { useStore } from './state/store';
import { clearNotice, goTo, type Screen } from './state/actions';
import { SyncBar } from './components/SyncBar';
import { NoticeBar } from './components/NoticeBar';
import { VaultGuardBar } from './components/VaultGuardBar';
import { FirstRun, Unlock } from './screens/FirstRun';
import { Operator } from './screens/Operator';
import { Supervisor } from './screens/Supervisor';
import { Dashboard } from './screens/Dashboard';

const screens: { id: Screen; key: 'operator' | 'supervisor' | 'dashboard'; fkey: string }[] = [
  { id: 'operator', key: 'operator', fkey: 'F1' },
  { id: 'supervisor', key: 'supervisor', fkey: 'F2' },
  { id: 'dashboard', key: 'dashboard', fkey: 'F3' },
];

export function App({ api, controller }: { api: StationApi; controller: Controller }) {
  const ctx = useMemo(() => ({ api, controller }), [api, controller]);
  const screen = useStore((s) => s.screen);
  const apply = useStore((s) => s.apply);
  const ready = useStore((s) => s.setup?.stage === 'ready');
  const setup = useStore((s) => s.setup);
  const language = useStore((s) => s.language);
  const connected = useStore((s) => s.connected);
  const operator = useStore((s) => s.operator?.operator ?? null);
  const { t, i18n } = useTranslation();

  useEffect(() => {
    if (i18n.language !== language) void i18n.changeLanguage(language);
    document.documentElement.lang = language;
  }, [language, i18n]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const target = screens.find((s) => s.fkey === e.key);
      if (target) {
        e.preventDefault();
        apply(goTo, target.id);
        return;
      }
      if (e.key === 'Escape') apply(clearNotice);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [apply]);

  const switchLanguage = (l: Language): void => {
    void controller.setLanguage(l);
  };

  return (
    <StationContext.Provider value={ctx}>
      <header className="topbar">
        <span className="brand">{t('app.title')}</span>
        {setup?.stationName ? (
          <span className="station">
            {setup.line ? t('app.station', { name: setup.stationName, line: setup.line }) : setup.stationName}
          </span>
        ) : null}
        {ready ? (
          <nav aria-label="screens">
            {screens.map((s) => (
              <button key={s.id} aria-current={screen === s.id ? 'page' : undefined} onClick={() => apply(goTo, s.id)} title={s.fkey}>
                {t(`nav.${s.key}`)} <span className="muted">{s.fkey}</span>
              </button>
            ))}
          </nav>
        ) : null}
        <span className="spacer" />
        {ready && operator ? (
          <span className="operator-on" data-testid="operator-on">
            {t('operator.signedOn', { name: operator.name, number: operator.number })}
            <button className="small" onClick={() => void controller.signOff()} data-testid="sign-off">
              {t('operator.signOff')}
            </button>
          </span>
        ) : null}
        <SyncBar />
        <div className="lang" role="group" aria-label={t('nav.language')}>
          <button className="small" aria-pressed={language === 'en'} onClick={() => switchLanguage('en')} data-testid="lang-en">
            EN
          </button>
          <button className="small" aria-pressed={language === 'zh-CN'} onClick={() => switchLanguage('zh-CN')} data-testid="lang-zh">
            中文
          </button>
        </div>
      </header>
      {!connected ? (
        <div className="offline-banner" role="alert">
          {t('app.hostGone')}
        </div>
      ) : null}
      {ready ? <VaultGuardBar /> : null}
      <NoticeBar />
      {screen === 'loading' ? (
        <main>
          <p>{t('app.loading')}</p>
        </main>
      ) : null}
      {screen === 'setup' ? <FirstRun /> : null}
      {screen === 'unlock' ? <Unlock /> : null}
      {screen === 'operator' ? <Operator /> : null}
      {screen === 'supervisor' ? <Supervisor /> : null}
      {screen === 'dashboard' ? <Dashboard /> : null}
    </StationContext.Provider>
  );
}

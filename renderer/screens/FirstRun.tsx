import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from '../state/store';
import { showError } from '../state/actions';
import { useStation } from '../context';

/** First run: connect to a hub (URL + enrollment code) or start the demo; passphrase or OS keychain; supervisor PIN. */
export function FirstRun() {
  const { t } = useTranslation();
  const { api, controller } = useStation();
  const setup = useStore((s) => s.setup);
  const apply = useStore((s) => s.apply);
  const [mode, setMode] = useState<'hub' | 'demo'>('demo');
  const [hubUrl, setHubUrl] = useState('');
  const [code, setCode] = useState('');
  const [stationName, setStationName] = useState('Station 1');
  const keychain = setup?.osKeychainAvailable ?? false;
  const [protection, setProtection] = useState<'os_keychain' | 'passphrase'>(keychain ? 'os_keychain' : 'passphrase');
  const [pass, setPass] = useState('');
  const [pass2, setPass2] = useState('');
  const [pin, setPin] = useState('');
  const [pin2, setPin2] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (protection === 'passphrase' && pass !== pass2) {
      apply(showError, { code: 'MISMATCH', message: t('setup.mismatchPass') }, Date.now());
      return;
    }
    if (pin !== pin2) {
      apply(showError, { code: 'MISMATCH', message: t('setup.mismatchPin') }, Date.now());
      return;
    }
    const keyProtection =
      protection === 'passphrase' ? { kind: 'passphrase' as const, passphrase: pass } : { kind: 'os_keychain' as const };
    setBusy(true);
    const result =
      mode === 'demo'
        ? await controller.run(api.setup.startDemo({ keyProtection, supervisorPin: pin }))
        : await controller.run(
            api.setup.connectHub({
              hubUrl: hubUrl.trim(),
              enrollmentCode: code.trim(),
              stationName: stationName.trim(),
              keyProtection,
              supervisorPin: pin,
            }),
          );
    setBusy(false);
    await controller.afterSetup(result);
  };

  return (
    <main className="setup">
      <h1>{t('setup.title')}</h1>
      <p className="muted">{t('setup.intro')}</p>
      <form onSubmit={(e) => void submit(e)} className="panel" aria-label={t('setup.title')}>
        <div className="choice" role="radiogroup">
          <div
            className="card"
            role="radio"
            aria-checked={mode === 'hub'}
            aria-pressed={mode === 'hub'}
            tabIndex={0}
            onClick={() => setMode('hub')}
            onKeyDown={(e) => {
              if (e.key === ' ' || e.key === 'Enter') {
                e.preventDefault();
                setMode('hub');
              }
            }}
            data-testid="choose-hub"
          >
            <h2>{t('setup.hub')}</h2>
            {mode === 'hub' ? (
              <>
                <label className="field">
                  {t('setup.hubUrl')}
                  <input
                    name="hubUrl"
                    value={hubUrl}
                    onChange={(e) => setHubUrl(e.target.value)}
                    placeholder="https://"
                    autoComplete="off"
                  />
                  <small>{t('setup.hubUrlHint')}</small>
                </label>
                <label className="field">
                  {t('setup.enrollmentCode')}
                  <input name="enrollmentCode" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" />
                  <small>{t('setup.enrollmentHint')}</small>
                </label>
                <label className="field">
                  {t('setup.stationName')}
                  <input name="stationName" value={stationName} onChange={(e) => setStationName(e.target.value)} />
                </label>
              </>
            ) : null}
          </div>
          <div
            className="card"
            role="radio"
            aria-checked={mode === 'demo'}
            aria-pressed={mode === 'demo'}
            tabIndex={0}
            onClick={() => setMode('demo')}
            onKeyDown={(e) => {
              if (e.key === ' ' || e.key === 'Enter') {
                e.preventDefault();
                setMode('demo');
              }
            }}
            data-testid="choose-demo"
          >
            <h2>{t('setup.demo')}</h2>
            <p className="muted">{t('setup.demoText')}</p>
          </div>
        </div>
        <h3>{t('setup.keyTitle')}</h3>
        <div className="row">
          <label className="row">
            <input
              type="radio"
              name="protection"
              checked={protection === 'os_keychain'}
              disabled={!keychain}
              onChange={() => setProtection('os_keychain')}
            />
            {t('setup.keychain')}
          </label>
          <label className="row">
            <input type="radio" name="protection" checked={protection === 'passphrase'} onChange={() => setProtection('passphrase')} />
            {t('setup.passphrase')}
          </label>
        </div>
        {!keychain ? <p className="muted">{t('setup.keychainMissing')}</p> : null}
        {protection === 'passphrase' ? (
          <div className="row">
            <label className="field grow">
              {t('setup.passphrase')}
              <input type="password" name="passphrase" value={pass} onChange={(e) => setPass(e.target.value)} autoComplete="new-password" />
              <small>{t('setup.passphraseHint')}</small>
            </label>
            <label className="field grow">
              {t('setup.passphraseAgain')}
              <input
                type="password"
                name="passphrase2"
                value={pass2}
                onChange={(e) => setPass2(e.target.value)}
                autoComplete="new-password"
              />
              <small>&nbsp;</small>
            </label>
          </div>
        ) : null}
        <div className="row">
          <label className="field grow">
            {t('setup.pin')}
            <input type="password" inputMode="numeric" name="pin" value={pin} onChange={(e) => setPin(e.target.value)} autoComplete="off" />
            <small>{t('setup.pinHint')}</small>
          </label>
          <label className="field grow">
            {t('setup.pinAgain')}
            <input
              type="password"
              inputMode="numeric"
              name="pin2"
              value={pin2}
              onChange={(e) => setPin2(e.target.value)}
              autoComplete="off"
            />
            <small>&nbsp;</small>
          </label>
        </div>
        <div className="row">
          <button type="submit" className="primary" disabled={busy} data-testid="setup-submit">
            {mode === 'demo' ? t('setup.startDemo') : t('setup.connect')}
          </button>
        </div>
      </form>
    </main>
  );
}

export function Unlock() {
  const { t } = useTranslation();
  const { api, controller } = useStation();
  const [pass, setPass] = useState('');
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    await controller.afterSetup(await controller.run(api.setup.unlock({ passphrase: pass })));
  };
  return (
    <main className="pin">
      <form className="panel" onSubmit={(e) => void submit(e)}>
        <h1>{t('unlock.title')}</h1>
        <p>{t('unlock.text')}</p>
        <input type="password" autoFocus value={pass} onChange={(e) => setPass(e.target.value)} aria-label={t('setup.passphrase')} />
        <button type="submit" className="primary">
          {t('unlock.button')}
        </button>
      </form>
    </main>
  );
}

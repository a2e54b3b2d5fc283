import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../common/errors';
import { useHub } from '../context';
import { ErrorLine } from '../components/ErrorLine';
import { QrCode } from '../components/QrCode';
import { infoOf } from '../state/errors';
import { refreshSession, signIn } from '../state/session';
import { useStore } from '../state/store';

/** Sign-in with a hub account; then, when the hub asks for it, a new password and the second factor. */
export function SignIn() {
  const session = useStore((s) => s.session);
  if (session?.pending.includes('change_password')) return <ChangePassword />;
  if (session?.pending.includes('setup_totp')) return <SetUpTotp />;
  return <SignInForm />;
}

function SignInForm() {
  const { t } = useTranslation();
  const client = useHub();
  const reason = useStore((s) => s.signedOutReason);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    const r = await signIn(client, name.trim(), password, needTotp ? totp.trim() : undefined);
    setBusy(false);
    if (r.ok) return;
    if (r.needTotp) {
      setNeedTotp(true);
      setError(needTotp ? r.error.toInfo() : null);
      return;
    }
    setError(r.error.toInfo());
  };

  return (
    <main className="narrow">
      <form className="panel" onSubmit={(e) => void submit(e)} data-testid="sign-in">
        <h1>{t('signIn.title')}</h1>
        {reason ? (
          <p className="notice-inline" role="status" data-testid="signed-out-reason">
            {t(reason === 'expired' ? 'signIn.expired' : 'signIn.signedOut')}
          </p>
        ) : null}
        <label className="field">
          {t('signIn.name')}
          <input name="name" autoComplete="username" value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label className="field">
          {t('signIn.password')}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {needTotp ? (
          <label className="field">
            {t('signIn.totp')}
            <small>{t('signIn.totpHint')}</small>
            <input
              name="totp"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]{6}"
              maxLength={6}
              value={totp}
              onChange={(e) => setTotp(e.target.value)}
              required
              autoFocus
            />
          </label>
        ) : null}
        <ErrorLine error={error} />
        <button className="primary" type="submit" disabled={busy} data-testid="sign-in-submit">
          {t('signIn.submit')}
        </button>
      </form>
    </main>
  );
}

function ChangePassword() {
  const { t } = useTranslation();
  const client = useHub();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<ErrorInfo | null>(null);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (next !== again) {
      setError({ code: 'PASSWORD_MISMATCH', message: t('signIn.mismatch') });
      return;
    }
    try {
      refreshSession(client, await client.call('changePassword', { body: { currentPassword: current, newPassword: next } }));
    } catch (err) {
      setError(infoOf(err));
    }
  };
  return (
    <main className="narrow">
      <form className="panel" onSubmit={(e) => void submit(e)} data-testid="change-password">
        <h1>{t('signIn.changeTitle')}</h1>
        <p>{t('signIn.changeText')}</p>
        <label className="field">
          {t('signIn.current')}
          <input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required />
        </label>
        <label className="field">
          {t('signIn.newPassword')}
          <input
            type="password"
            autoComplete="new-password"
            minLength={12}
            value={next}
            onChange={(e) => setNext(e.target.value)}
            required
          />
        </label>
        <label className="field">
          {t('signIn.newPassword2')}
          <input
            type="password"
            autoComplete="new-password"
            minLength={12}
            value={again}
            onChange={(e) => setAgain(e.target.value)}
            required
          />
        </label>
        <ErrorLine error={error} />
        <button className="primary" type="submit">
          {t('signIn.change')}
        </button>
      </form>
    </main>
  );
}

function SetUpTotp() {
  const { t } = useTranslation();
  const client = useHub();
  const [setup, setSetup] = useState<{ secret: string; uri: string } | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<ErrorInfo | null>(null);
  const start = async (): Promise<void> => {
    try {
      setSetup(await client.call('setupTotp'));
    } catch (err) {
      setError(infoOf(err));
    }
  };
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    try {
      refreshSession(client, await client.call('confirmTotp', { body: { code: code.trim() } }));
    } catch (err) {
      setError(infoOf(err));
    }
  };
  return (
    <main className="narrow">
      <form className="panel" onSubmit={(e) => void submit(e)} data-testid="setup-totp">
        <h1>{t('signIn.totpTitle')}</h1>
        <p>{t('signIn.totpText')}</p>
        {setup ? (
          <>
            <QrCode text={setup.uri} label={t('signIn.totpQr')} />
            <p>
              {t('signIn.secret')}: <code data-testid="totp-secret">{setup.secret}</code>
            </p>
            <label className="field">
              {t('signIn.totp')}
              <input inputMode="numeric" pattern="[0-9]{6}" maxLength={6} value={code} onChange={(e) => setCode(e.target.value)} required />
            </label>
            <button className="primary" type="submit">
              {t('signIn.confirm')}
            </button>
          </>
        ) : (
          <button type="button" className="primary" onClick={() => void start()}>
            {t('signIn.totpTitle')}
          </button>
        )}
        <ErrorLine error={error} />
      </form>
    </main>
  );
}

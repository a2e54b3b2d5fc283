import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { DownloadContact, EnrollmentCode, Factory, Station } from '../../common/hub-api';
import type { ErrorInfo } from '../../common/errors';
import { useHub } from '../context';
import { Dialog } from '../components/Dialog';
import { ErrorLine } from '../components/ErrorLine';
import { QrCode } from '../components/QrCode';
import { dateTime } from '../i18n';
import { infoOf } from '../state/errors';
import { say, useStore } from '../state/store';

/** Factories, their lines and stations; enrollment codes (text and QR code), download contacts and revocation. A factory account sees its own factory. */
export function Factories() {
  const { t } = useTranslation();
  const client = useHub();
  const role = useStore((s) => s.session?.account.role);
  const [factories, setFactories] = useState<Factory[] | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [code, setCode] = useState<{ station: Station; code: EnrollmentCode } | null>(null);
  const [contactOf, setContactOf] = useState<Station | null>(null);

  const load = useCallback(async (): Promise<void> => {
    try {
      setFactories((await client.call('listFactories')).factories);
    } catch (e) {
      setError(infoOf(e));
    }
  }, [client]);
  useEffect(() => {
    void load();
  }, [load]);
  const run = async (fn: () => Promise<unknown>): Promise<boolean> => {
    try {
      await fn();
      setError(null);
      await load();
      return true;
    } catch (e) {
      setError(infoOf(e));
      return false;
    }
  };
  const enroll = async (station: Station): Promise<void> => {
    try {
      setCode({ station, code: await client.call('createEnrollmentCode', { id: station.id, body: {} }) });
      setError(null);
      await load();
    } catch (e) {
      setError(infoOf(e));
    }
  };
  const revoke = async (station: Station): Promise<void> => {
    if (await run(() => client.call('revokeStation', { id: station.id })))
      say({ kind: 'success', key: 'factories.revokedDone', vars: { station: station.name } });
  };

  return (
    <section className="panel" aria-labelledby="factories-title">
      <h1 id="factories-title">{t('factories.title')}</h1>
      <ErrorLine error={error} />
      {role === 'owner' ? (
        <AddForm
          label={t('factories.addFactory')}
          testId="add-factory"
          onAdd={(name) => run(() => client.call('createFactory', { body: { name } }))}
        />
      ) : null}
      {factories && factories.length === 0 ? <p className="muted">{t('factories.none')}</p> : null}
      {factories?.map((f) => (
        <article key={f.id} className="card" data-testid="factory">
          <h2>{f.name}</h2>
          {f.lines.map((l) => (
            <div key={l.id} className="line" data-testid="line">
              <h3>{l.name}</h3>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('factories.station')}</th>
                    <th scope="col">{t('credentials.col.state')}</th>
                    <th scope="col">{t('factories.contactCol')}</th>
                    <th scope="col">{t('credentials.col.created')}</th>
                    <th scope="col">{t('credentials.col.operation')}</th>
                  </tr>
                </thead>
                <tbody>
                  {l.stations.map((s) => (
                    <tr key={s.id} data-testid="station-row" data-name={s.name}>
                      <td>{s.name}</td>
                      <td>
                        {s.revokedAt ? (
                          <span className="badge revoked">{t('factories.revoked')}</span>
                        ) : s.enrolled ? (
                          <span className="badge valid">{t('factories.enrolled')}</span>
                        ) : (
                          <span className="badge">{t('factories.notEnrolled')}</span>
                        )}
                      </td>
                      <td data-testid="station-contact">
                        {s.downloadContact ? (
                          `${t(`factories.${s.downloadContact.channel}`)}: ${s.downloadContact.destination}`
                        ) : (
                          <span className="muted">{t('factories.noContact')}</span>
                        )}
                      </td>
                      <td>{dateTime(s.createdAt, useStore.getState().language)}</td>
                      <td className="row">
                        <button className="small" onClick={() => void enroll(s)} data-testid="enroll-code">
                          {t('factories.code')}
                        </button>
                        {!s.revokedAt ? (
                          <button className="small" onClick={() => setContactOf(s)} data-testid="set-contact">
                            {t('factories.contact')}
                          </button>
                        ) : null}
                        {s.enrolled && !s.revokedAt ? (
                          <button className="small stop" onClick={() => void revoke(s)} data-testid="revoke">
                            {t('factories.revoke')}
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <AddForm
                label={t('factories.addStation')}
                testId="add-station"
                onAdd={(name) => run(() => client.call('createStation', { id: l.id, body: { name } }))}
              />
            </div>
          ))}
          <AddForm
            label={t('factories.addLine')}
            testId="add-line"
            onAdd={(name) => run(() => client.call('createLine', { id: f.id, body: { name } }))}
          />
        </article>
      ))}
      {contactOf ? (
        <ContactDialog
          station={contactOf}
          onClose={() => setContactOf(null)}
          onSaved={() => {
            setContactOf(null);
            void load();
          }}
        />
      ) : null}
      {code ? (
        <Dialog title={t('factories.codeTitle', { station: code.station.name })} onClose={() => setCode(null)} testId="code-dialog">
          <p>{t('factories.codeText', { time: dateTime(code.code.expiresAt, useStore.getState().language) })}</p>
          <p className="code" data-testid="enrollment-code">
            {code.code.code}
          </p>
          <QrCode text={code.code.code} label={t('factories.qr')} />
        </Dialog>
      ) : null}
    </section>
  );
}

/** Where the hub sends the one-time codes for downloads asked for at a station (`POST /v1/admin/stations/:id/download-contact`). */
function ContactDialog({ station, onClose, onSaved }: { station: Station; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const client = useHub();
  const [channel, setChannel] = useState<DownloadContact['channel']>(station.downloadContact?.channel ?? 'email');
  const [destination, setDestination] = useState(station.downloadContact?.destination ?? '');
  const [error, setError] = useState<ErrorInfo | null>(null);
  // the hub's refusal of the address's form belongs to the address field: shown under it and named as its description
  const badAddress = error?.code === 'CONTACT_EMAIL_INVALID' || error?.code === 'CONTACT_PHONE_INVALID';
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    try {
      const saved = await client.call('setDownloadContact', { id: station.id, body: { channel, destination: destination.trim() } });
      say({
        kind: 'success',
        key: 'factories.contactSaved',
        vars: { station: station.name, to: saved.downloadContact?.destination ?? destination.trim() },
      });
      onSaved();
    } catch (err) {
      setError(infoOf(err));
    }
  };
  return (
    <Dialog title={t('factories.contactTitle', { station: station.name })} onClose={onClose} testId="contact-dialog">
      <form onSubmit={(e) => void submit(e)} className="stack">
        <p className="muted">{t('factories.contactText')}</p>
        <fieldset>
          <legend>{t('factories.channel')}</legend>
          {(['email', 'sms'] as const).map((c) => (
            <label key={c} className="inline">
              <input
                type="radio"
                name="contact-channel"
                checked={channel === c}
                onChange={() => {
                  setChannel(c);
                  setError(null);
                }}
                data-testid={`contact-${c}`}
              />
              {t(`factories.${c}`)}
            </label>
          ))}
        </fieldset>
        <label className="field">
          {t(channel === 'email' ? 'factories.emailAddress' : 'factories.phone')}
          <input
            value={destination}
            onChange={(e) => {
              setDestination(e.target.value);
              setError(null);
            }}
            type={channel === 'email' ? 'email' : 'tel'}
            placeholder={channel === 'email' ? 'name@example.com' : '+86 138 0013 8000'}
            required
            minLength={3}
            maxLength={200}
            aria-invalid={badAddress}
            aria-describedby={badAddress ? 'contact-error' : undefined}
            data-testid="contact-destination"
          />
        </label>
        <ErrorLine error={error} id="contact-error" />
        <button className="primary" type="submit" data-testid="contact-save">
          {t('factories.contactSave')}
        </button>
      </form>
    </Dialog>
  );
}

function AddForm({ label, onAdd, testId }: { label: string; onAdd: (name: string) => Promise<boolean>; testId: string }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (await onAdd(name.trim())) setName('');
  };
  return (
    <form className="row add" onSubmit={(e) => void submit(e)} data-testid={testId}>
      <label className="inline">
        {label}
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder={t('factories.name')} required maxLength={120} />
      </label>
      <button className="small" type="submit">
        {t('factories.add')}
      </button>
    </form>
  );
}

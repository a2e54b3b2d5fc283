import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Fleet as FleetData } from '../../common/console-api';
import type { ErrorInfo } from '../../common/errors';
import { useHub } from '../context';
import { ErrorLine } from '../components/ErrorLine';
import { dateTime } from '../i18n';
import { infoOf } from '../state/errors';
import { useStore } from '../state/store';
import { shortId } from '../../common/ids';

/** Each station's last sync, outbox, burns in the last hour and suspects; each group's licenses left and when it runs dry. Refreshed every 15 s. */
export function Fleet() {
  const { t } = useTranslation();
  const client = useHub();
  const language = useStore((s) => s.language);
  const [fleet, setFleet] = useState<FleetData | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const load = useCallback(async (): Promise<void> => {
    try {
      setFleet(await client.call('consoleFleet'));
      setError(null);
    } catch (e) {
      setError(infoOf(e));
    }
  }, [client]);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 15_000);
    return () => clearInterval(timer);
  }, [load]);

  return (
    <>
      <ErrorLine error={error} />
      <section className="panel" aria-labelledby="fleet-stations">
        <h1 id="fleet-stations">
          {t('fleet.title')} · {t('fleet.stations')}
        </h1>
        {!fleet ? null : fleet.stations.length === 0 ? (
          <p className="muted">{t('fleet.none')}</p>
        ) : (
          <table data-testid="fleet-stations">
            <thead>
              <tr>
                <th scope="col">{t('fleet.station')}</th>
                <th scope="col">{t('fleet.lastSync')}</th>
                <th scope="col" className="num">
                  {t('fleet.outbox')}
                </th>
                <th scope="col" className="num">
                  {t('fleet.burnsHour')}
                </th>
                <th scope="col" className="num">
                  {t('fleet.suspects')}
                </th>
              </tr>
            </thead>
            <tbody>
              {fleet.stations.map((s) => (
                <tr key={s.id} data-testid="fleet-station">
                  <td>
                    {s.name}
                    <div className="muted">
                      {s.factory} · {s.line}
                    </div>
                  </td>
                  <td>{s.lastSyncAt ? dateTime(s.lastSyncAt, language) : t('fleet.never')}</td>
                  <td className="num">{s.outbox}</td>
                  <td className="num">{s.burnsLastHour}</td>
                  <td className={`num${s.suspects > 0 ? ' attention' : ''}`}>{s.suspects}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="panel" aria-labelledby="fleet-groups">
        <h2 id="fleet-groups">{t('fleet.groups')}</h2>
        {!fleet ? null : fleet.groups.length === 0 ? (
          <p className="muted">{t('fleet.none')}</p>
        ) : (
          <table data-testid="fleet-groups">
            <thead>
              <tr>
                <th scope="col">{t('fleet.group')}</th>
                <th scope="col" className="num">
                  {t('fleet.left')}
                </th>
                <th scope="col" className="num">
                  {t('fleet.rate')}
                </th>
                <th scope="col">{t('fleet.runsDry')}</th>
              </tr>
            </thead>
            <tbody>
              {fleet.groups.map((g) => (
                <tr
                  key={g.credentialId}
                  className={g.runsDrySoon ? 'runs-dry' : undefined}
                  data-testid="fleet-group"
                  data-id={g.credentialId}
                  data-soon={g.runsDrySoon}
                >
                  <td>
                    {g.name}
                    <div className="muted">
                      {g.pid} · {shortId(g.credentialId)}
                    </div>
                  </td>
                  <td className="num">{g.left}</td>
                  <td className="num">{g.burnRatePerHour > 0 ? g.burnRatePerHour.toFixed(1) : t('fleet.noRate')}</td>
                  <td>
                    {g.runsDryAt ? dateTime(g.runsDryAt, language) : '—'}
                    {g.runsDrySoon ? <strong className="soon"> · {t('fleet.soon')}</strong> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

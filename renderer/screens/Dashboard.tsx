import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { BurnFailureCodeOut, Dashboard as DashboardData, StationFailureCodeOut } from '../../common/api/schemas';
import { useStation } from '../context';
import { useStore } from '../state/store';
import { oneLine, pivotReasons } from '../state/charts';

/** The station's codes; a protocol's own come with its words (station.outcomeTexts, the store's outcomeColours). */
const reasonColours: Record<StationFailureCodeOut, string> = {
  TIMEOUT: '#f2c230',
  CHECKSUM: '#b48cff',
  REFUSED: '#ff7ab6',
  ALREADY_AUTHORIZED: '#5ad1e6',
  VERIFY_MISMATCH: '#ff9f1a',
  DISCONNECTED: '#ff4d4d',
  INVALID_LICENSE: '#c0e05a',
  CANCELED: '#8a99a8',
  DRIVER_INTERNAL: '#e6e6e6',
  NO_LICENSE_LEFT: '#6c7a89',
  GROUP_BLOCKED: '#9b6cff',
  LICENSE_DAMAGED: '#ff6fb5',
  LICENSES_REJECTED: '#d9a441',
  VAULT_BEHIND: '#d4a373',
  VAULT_DAMAGED: '#e63946',
  DISK_FULL: '#adb5bd',
  PORT_ERROR: '#e07a5f',
  INTERNAL: '#ffffff',
};
const axis = { stroke: '#b4c0cc', fontSize: 15 };

export function Dashboard() {
  const { t, i18n } = useTranslation();
  const { api, controller } = useStation();
  const [range, setRange] = useState<'shift' | 'day'>('shift');
  const [operator, setOperator] = useState('');
  const [data, setData] = useState<DashboardData | null>(null);
  // slot events move the figures: reload when a burn ends
  const burned = useStore((s) => s.slots.reduce((n, x) => n + x.burnedThisShift + (x.phase === 'failed' ? 1 : 0), 0));
  useEffect(() => {
    void controller.run(api.reports.dashboard({ range, ...(operator ? { operator } : {}) })).then((d) => {
      if (d) setData(d);
    });
  }, [api, controller, range, operator, burned]);
  if (data === null)
    return (
      <main>
        <p>{t('app.loading')}</p>
      </main>
    );
  const perHour = data.burnsPerHour.map((h) => ({
    hour: new Date(h.hour).toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit' }),
    verified: h.verified,
    failed: h.failed,
    suspect: h.suspect,
  }));
  const bySlot = pivotReasons(
    data.failuresBySlot.map((x) => ({ ...x, label: x.number === null ? x.label : t('slot.title', { n: x.number }) })),
  );
  const byGroup = pivotReasons(data.failuresByGroup);
  return (
    <main>
      <div className="row">
        <h1 className="grow">{t('dashboard.title')}</h1>
        <label className="field">
          {t('dashboard.operator')}
          <select value={operator} onChange={(e) => setOperator(e.target.value)} data-testid="dashboard-operator">
            <option value="">{t('dashboard.everyone')}</option>
            {data.operators.map((o) => (
              <option key={o.number} value={o.number}>
                {o.name} ({o.number})
              </option>
            ))}
          </select>
        </label>
        <div className="tabs" role="tablist">
          {(['shift', 'day'] as const).map((r) => (
            <button key={r} role="tab" aria-selected={range === r} onClick={() => setRange(r)}>
              {t(`dashboard.${r}`)}
            </button>
          ))}
        </div>
      </div>
      <div className="totals panel" data-testid="dashboard-totals">
        <span className="result-ok">
          {t('dashboard.verified')}: {data.totals.verified}
        </span>
        <span className="result-err">
          {t('dashboard.failed')}: {data.totals.failed}
        </span>
        <span className="result-suspect">
          {t('dashboard.suspect')}: {data.totals.suspect}
        </span>
      </div>
      <div className="charts">
        <section className="panel wide">
          <h3>{t('dashboard.perHour')}</h3>
          <ResponsiveContainer width="100%" height={260}>
            <BarChart data={perHour}>
              <CartesianGrid stroke="#3a4757" strokeDasharray="3 3" />
              <XAxis dataKey="hour" tick={axis} />
              <YAxis tick={axis} allowDecimals={false} />
              <Tooltip cursor={{ fill: '#222c38' }} contentStyle={{ background: '#19212b', border: '1px solid #3a4757' }} />
              <Legend />
              <Bar dataKey="verified" name={t('dashboard.verified')} stackId="a" fill="#2ec26a" isAnimationActive={false} />
              <Bar dataKey="failed" name={t('dashboard.failed')} stackId="a" fill="#ff4d4d" isAnimationActive={false} />
              <Bar dataKey="suspect" name={t('dashboard.suspect')} stackId="a" fill="#f2c230" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </section>
        <ReasonChart title={t('dashboard.bySlot')} rows={bySlot.rows} codes={bySlot.codes} empty={t('dashboard.noFailures')} />
        <ReasonChart title={t('dashboard.byGroup')} rows={byGroup.rows} codes={byGroup.codes} empty={t('dashboard.noFailures')} />
      </div>
    </main>
  );
}

function ReasonChart({
  title,
  rows,
  codes,
  empty,
}: {
  title: string;
  rows: Record<string, string | number>[];
  codes: BurnFailureCodeOut[];
  empty: string;
}) {
  const { t } = useTranslation();
  const outcomeColours = useStore((s) => s.outcomeColours);
  const colour = (c: BurnFailureCodeOut) =>
    Object.hasOwn(reasonColours, c) ? reasonColours[c as StationFailureCodeOut] : outcomeColours[c];
  return (
    <section className="panel">
      <h3>{title}</h3>
      {codes.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <ResponsiveContainer width="100%" height={260}>
          <BarChart data={rows} layout="vertical" margin={{ left: 20 }}>
            <CartesianGrid stroke="#3a4757" strokeDasharray="3 3" />
            <XAxis type="number" tick={axis} allowDecimals={false} />
            <YAxis type="category" dataKey="label" tick={<OneLineTick />} width={150} />
            <Tooltip cursor={{ fill: '#222c38' }} contentStyle={{ background: '#19212b', border: '1px solid #3a4757' }} />
            <Legend />
            {codes.map((c) => (
              <Bar key={c} dataKey={c} name={t(`reason.${c}`)} stackId="r" fill={colour(c)} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      )}
    </section>
  );
}

/** A category label on one line: a long name is cut with an ellipsis (the full name in its tooltip), never wrapped. */
function OneLineTick({ x, y, payload }: { x?: number; y?: number; payload?: { value: string } }) {
  const full = payload?.value ?? '';
  const text = oneLine(full, 16);
  return (
    <text x={x} y={y} dy={5} textAnchor="end" fill={axis.stroke} fontSize={axis.fontSize}>
      <title>{full}</title>
      {text}
    </text>
  );
}

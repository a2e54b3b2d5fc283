import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  AuditCheck,
  DeliveryMode,
  GroupSummary,
  HistoryEntry,
  ImportReport,
  JobProgress,
  OfflineOutcome,
  People,
  Product,
  SupervisorRef,
  UpdateRequest,
} from '../../common/api/schemas';
import type { Result } from '../../common/result';
import { errorText } from '../i18n';
import { historyText, money, outcomeText } from '../state/history-text';
import { productLabel } from '../state/slot-text';
import { useStore } from '../state/store';
import { applyGroups, applySession, showNotice } from '../state/actions';
import { useStation } from '../context';
import { fileToBase64 } from '../state/files';
import { ProgrammersTab } from './Programmers';
import { SuspectsTab } from './Suspects';
import { RefusedReportsPanel, TransfersTab } from './Transfers';

type Tab = 'groups' | 'suspects' | 'programmers' | 'import' | 'transfers' | 'audit' | 'outcomes' | 'people';
const tabs: Tab[] = ['groups', 'suspects', 'programmers', 'import', 'transfers', 'audit', 'outcomes', 'people'];
const modes: DeliveryMode[] = ['credential', 'credential_auth_only', 'license_list'];

export function Supervisor() {
  const { api, controller } = useStation();
  const session = useStore((s) => s.session);
  const apply = useStore((s) => s.apply);
  useEffect(() => {
    void api.supervisor.session().then((r) => {
      if (r.ok) apply(applySession, r.value);
    });
  }, [api, apply]);
  if (!session?.active) return <PinPrompt />;
  return <Console onLogout={() => void controller.logout()} />;
}

function PinPrompt() {
  const { t, i18n } = useTranslation();
  const { api, controller } = useStation();
  const session = useStore((s) => s.session);
  const [pin, setPin] = useState('');
  const [supervisors, setSupervisors] = useState<SupervisorRef[]>([]);
  const [who, setWho] = useState('');
  useEffect(() => {
    void controller.run(api.supervisor.supervisors()).then((l) => {
      if (l) setSupervisors(l);
    });
  }, [api, controller]);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    await controller.login(pin, who || undefined);
    setPin('');
  };
  return (
    <main className="pin">
      <form className="panel" onSubmit={(e) => void submit(e)} aria-label={t('supervisor.pinTitle')}>
        <h1>{t('supervisor.pinTitle')}</h1>
        <p>{t('supervisor.pinText')}</p>
        {supervisors.length > 1 ? (
          <label className="field">
            {t('supervisor.who')}
            <select value={who} onChange={(e) => setWho(e.target.value)} data-testid="supervisor-name">
              <option value="">{t('supervisor.byPin')}</option>
              {supervisors.map((x) => (
                <option key={x.id} value={x.id}>
                  {supervisorLabel(t, x)}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <input
          type="password"
          inputMode="numeric"
          autoFocus
          value={pin}
          onChange={(e) => setPin(e.target.value.replace(/\D/g, ''))}
          aria-label={t('supervisor.pinTitle')}
          data-testid="pin"
          maxLength={8}
        />
        {session?.lockedUntil ? (
          <p className="result-err">
            {t('supervisor.lockedUntil', { time: new Date(session.lockedUntil).toLocaleTimeString(i18n.language) })}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={pin.length === 0}>
          {t('supervisor.enter')}
        </button>
      </form>
    </main>
  );
}

/** Where a one-time code went: the hub's masked contact, or (the development sender) the station's log, in the screen's words. */
const codeSentText = (
  t: (k: string, o?: Record<string, unknown>) => string,
  r: { sentTo: string; toStationLog?: boolean | undefined },
): string => (r.toStationLog ? t('supervisor.download.sentToLog') : t('supervisor.download.sent', { to: r.sentTo }));

const supervisorLabel = (t: (k: string, o?: Record<string, unknown>) => string, x: SupervisorRef): string =>
  x.source === 'shared' ? t('supervisor.people.shared') : x.name;

function Console({ onLogout }: { onLogout: () => void }) {
  const { t } = useTranslation();
  const [tab, setTab] = useState<Tab>('groups');
  const me = useStore((s) => s.session?.supervisor ?? null);
  return (
    <main>
      <div className="row">
        <h1 className="grow">{t('supervisor.title')}</h1>
        {me ? (
          <span className="muted" data-testid="supervisor-me">
            {t('supervisor.signedInAs', { name: supervisorLabel(t, me) })}
          </span>
        ) : null}
        <button onClick={onLogout} data-testid="logout">
          {t('supervisor.logout')}
        </button>
      </div>
      <div className="tabs" role="tablist">
        {tabs.map((x) => (
          <button key={x} role="tab" aria-selected={tab === x} onClick={() => setTab(x)} data-testid={`tab-${x}`}>
            {t(`supervisor.tabs.${x}`)}
          </button>
        ))}
      </div>
      {tab === 'groups' ? <GroupsTab /> : null}
      {tab === 'suspects' ? <SuspectsTab /> : null}
      {tab === 'programmers' ? <ProgrammersTab /> : null}
      {tab === 'import' ? <ImportTab /> : null}
      {tab === 'transfers' ? <TransfersTab /> : null}
      {tab === 'audit' ? <AuditTab /> : null}
      {tab === 'outcomes' ? <OutcomesTab /> : null}
      {tab === 'people' ? <PeopleTab /> : null}
    </main>
  );
}

function GroupsTab() {
  const { t } = useTranslation();
  const { api, controller } = useStation();
  const groups = useStore((s) => s.groups);
  const apply = useStore((s) => s.apply);
  const [selected, setSelected] = useState<string | null>(null);
  const group = groups.find((g) => g.id === selected) ?? null;
  const refresh = useCallback(async () => {
    const o = await controller.run(api.station.overview());
    if (o) apply(applyGroups, o.groups);
  }, [api, controller, apply]);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return (
    <>
      <section className="panel">
        <table data-testid="groups-table">
          <thead>
            <tr>
              <th>{t('supervisor.name')}</th>
              <th>{t('supervisor.product')}</th>
              <th>{t('supervisor.owner')}</th>
              <th>{t('supervisor.mode')}</th>
              <th>{t('supervisor.state')}</th>
              <th>{t('supervisor.licenses')}</th>
              <th>{t('supervisor.line')}</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr
                key={g.id}
                className={`selectable${g.id === selected ? ' selected' : ''}`}
                onClick={() => setSelected(g.id)}
                tabIndex={0}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') setSelected(g.id);
                }}
                data-testid="group-row"
              >
                <td>{g.name}</td>
                <td>{productLabel(t, g)}</td>
                <td>{t(`owner.${g.owner}`)}</td>
                <td>{t(`mode.${g.deliveryMode}`)}</td>
                <td>
                  <span className={`badge state ${g.state}`}>{t(`state.${g.state}`)}</span>
                </td>
                <td>
                  {g.counts.left} / {g.counts.total}
                </td>
                <td>{g.assignment.line ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {group === null ? (
        <p className="muted">{t('supervisor.pickGroup')}</p>
      ) : (
        <div className="detail" key={group.id}>
          <PidPanel group={group} onDone={refresh} />
          <SplitPanel group={group} onDone={refresh} />
          <ChangeProductPanel group={group} onDone={refresh} />
          <HistoryPanel group={group} />
          <ResourcesPanel group={group} />
          <DownloadPanel group={group} onDone={refresh} />
          <ReassignPanel group={group} onDone={refresh} />
        </div>
      )}
    </>
  );
}

/** The group's product PID, which firmware that stores one asks for: a group imported without one gets it here. */
function PidPanel({ group, onDone }: { group: GroupSummary; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const { api, controller } = useStation();
  const apply = useStore((s) => s.apply);
  const current = group.pid === 'unknown' ? '' : group.pid;
  const [pid, setPid] = useState(current);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const r = await controller.run(api.supervisor.setGroupPid({ groupId: group.id, pid: pid.trim() }));
    if (r) {
      apply(showNotice, 'success', t('supervisor.pid.done', { name: r.name, pid: r.pid }), Date.now());
      await onDone();
    }
  };
  return (
    <form className="panel" onSubmit={(e) => void submit(e)} data-testid="pid-panel">
      <h3>{t('supervisor.pid.title')}</h3>
      <p className="muted">{current === '' ? t('supervisor.pid.none') : t('supervisor.pid.current', { pid: current })}</p>
      <div className="row">
        <label className="field">
          {t('supervisor.pid.label')}
          <input value={pid} onChange={(e) => setPid(e.target.value)} name="pid" maxLength={32} autoComplete="off" />
        </label>
        <button type="submit" className="primary" disabled={pid.trim() === '' || pid.trim() === current} data-testid="pid-set">
          {t('supervisor.pid.button')}
        </button>
      </div>
    </form>
  );
}

function SplitPanel({ group, onDone }: { group: GroupSummary; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const { api, controller } = useStation();
  const apply = useStore((s) => s.apply);
  const [purchased, setPurchased] = useState('0');
  const [free, setFree] = useState('0');
  const [name, setName] = useState('');
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const r = await controller.run(
      api.supervisor.split({
        groupId: group.id,
        purchased: Number(purchased),
        free: Number(free),
        ...(name.trim() ? { name: name.trim() } : {}),
      }),
    );
    if (r) {
      apply(
        showNotice,
        'success',
        r.queuedOffline ? t('supervisor.split.queued') : t('supervisor.split.done', { name: r.group.name, count: r.group.counts.total }),
        Date.now(),
      );
      await onDone();
    }
  };
  return (
    <form className="panel" onSubmit={(e) => void submit(e)} data-testid="split-panel">
      <h3>{t('supervisor.split.title')}</h3>
      <div className="row">
        <label className="field">
          {t('supervisor.split.purchased')}
          <input type="number" min={0} value={purchased} onChange={(e) => setPurchased(e.target.value)} name="purchased" />
        </label>
        <label className="field">
          {t('supervisor.split.free')}
          <input type="number" min={0} value={free} onChange={(e) => setFree(e.target.value)} name="free" />
        </label>
      </div>
      <label className="field">
        {t('supervisor.split.name')}
        <input value={name} onChange={(e) => setName(e.target.value)} name="splitName" />
      </label>
      <div>
        <button type="submit" className="primary">
          {t('supervisor.split.button')}
        </button>
      </div>
    </form>
  );
}

function ChangeProductPanel({ group, onDone }: { group: GroupSummary; onDone: () => Promise<void> }) {
  const { t, i18n } = useTranslation();
  const { api, controller } = useStation();
  const apply = useStore((s) => s.apply);
  const [products, setProducts] = useState<Product[]>([]);
  const [requests, setRequests] = useState<UpdateRequest[]>([]);
  const [target, setTarget] = useState('');
  const [mode, setMode] = useState<DeliveryMode>(group.deliveryMode);
  const load = useCallback(async () => {
    const [p, r] = await Promise.all([api.supervisor.products(), api.supervisor.requests({ groupId: group.id })]);
    if (p.ok) {
      setProducts(p.value);
      setTarget((cur) => cur || (p.value.find((x) => x.pid !== group.pid)?.pid ?? ''));
    }
    if (r.ok) setRequests(r.value);
  }, [api, group.id, group.pid]);
  useEffect(() => {
    void load();
  }, [load, group.state]);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (await controller.run(api.supervisor.changeProduct({ groupId: group.id, targetPid: target, deliveryMode: mode }))) {
      apply(showNotice, 'success', t('supervisor.change.done'), Date.now());
      await onDone();
      await load();
    }
  };
  // the notice that said "under review" is replaced: the group is usable again
  const recall = async (id: string): Promise<void> => {
    if (await controller.run(api.supervisor.recall({ requestId: id }), t('supervisor.change.recalled'))) {
      await onDone();
      await load();
    }
  };
  return (
    <section className="panel" data-testid="change-panel">
      <h3>{t('supervisor.change.title')}</h3>
      <form className="row" onSubmit={(e) => void submit(e)}>
        <label className="field">
          {t('supervisor.change.target')}
          <select value={target} onChange={(e) => setTarget(e.target.value)} name="targetPid">
            {products.map((p) => (
              <option key={p.pid} value={p.pid}>
                {p.name} ({p.pid})
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('supervisor.change.mode')}
          <select value={mode} onChange={(e) => setMode(e.target.value as DeliveryMode)} name="deliveryMode">
            {modes.map((m) => (
              <option key={m} value={m}>
                {t(`mode.${m}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={!target}>
          {t('supervisor.change.button')}
        </button>
      </form>
      <h3>{t('supervisor.change.requests')}</h3>
      {requests.length === 0 ? (
        <p className="muted">{t('supervisor.change.none')}</p>
      ) : (
        <table>
          <tbody>
            {requests.map((r) => (
              <tr key={r.id} data-testid="request-row">
                <td>{r.targetProductName}</td>
                <td>
                  <span className={`badge state ${r.state}`}>{t(`state.${r.state}`)}</span>
                  {r.state === 'rejected' && r.rejectionReason !== null ? (
                    <div className="muted" data-testid="request-reason">
                      {t('supervisor.change.rejectedReason', { reason: r.rejectionReason })}
                    </div>
                  ) : null}
                </td>
                <td className="muted">
                  {r.priceDifferenceCents !== 0
                    ? t('supervisor.change.price', { amount: money(i18n.language, r.priceDifferenceCents) })
                    : ''}
                </td>
                <td>
                  {r.state === 'confirming_update' || r.state === 'being_paid' ? (
                    <button className="small" onClick={() => void recall(r.id)} data-testid="recall">
                      {t('supervisor.change.recall')}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function HistoryPanel({ group }: { group: GroupSummary }) {
  const { t, i18n } = useTranslation();
  const { api } = useStation();
  const [entries, setEntries] = useState<HistoryEntry[]>([]);
  useEffect(() => {
    void api.supervisor.history({ groupId: group.id }).then((r) => {
      if (r.ok) setEntries(r.value);
    });
  }, [api, group.id, group.state, group.counts.total]);
  return (
    <section className="panel">
      <h3>{t('supervisor.history.title')}</h3>
      {entries.length === 0 ? (
        <p className="muted">{t('supervisor.history.none')}</p>
      ) : (
        <table>
          <tbody>
            {entries.slice(0, 12).map((h) => (
              <tr key={h.id}>
                <td className="muted">{new Date(h.at).toLocaleString(i18n.language)}</td>
                <td data-testid="history-entry">{historyText(t, (k) => i18n.exists(k), i18n.language, h)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ResourcesPanel({ group }: { group: GroupSummary }) {
  const { t, i18n } = useTranslation();
  // English shows the station's and the hub's own sentences; other languages say the same from the job's facts
  const jobText = (j: JobProgress): string => {
    if (i18n.language === 'en' || j.resource === undefined) return `${j.label}${j.message ? ` · ${j.message}` : ''}`;
    const label = t('supervisor.resources.job', { kind: j.resource === 'homekit' ? 'HomeKit' : 'Find My', group: group.name });
    return j.state === 'running' ? label : `${label} · ${t(`supervisor.resources.${j.state}`)}`;
  };
  const { api, controller } = useStation();
  const allJobs = useStore((s) => s.jobs);
  const jobs = allJobs.filter((j) => j.groupId === group.id);
  const generate = group.allowedActions.find((a) => a.action === 'generate_resources');
  return (
    <section className="panel">
      <h3>{t('supervisor.resources.title')}</h3>
      {generate?.allowed ? (
        <div className="row">
          {group.features?.homekit ? (
            <button onClick={() => void controller.run(api.supervisor.generateResources({ groupId: group.id, kind: 'homekit' }))}>
              {t('supervisor.resources.homekit')}
            </button>
          ) : null}
          {group.features?.findmy ? (
            <button onClick={() => void controller.run(api.supervisor.generateResources({ groupId: group.id, kind: 'findmy' }))}>
              {t('supervisor.resources.findmy')}
            </button>
          ) : null}
        </div>
      ) : (
        <p className="muted" title={generate?.reason} data-testid="resources-unavailable">
          {t(
            group.features && !group.features.homekit && !group.features.findmy
              ? 'supervisor.resources.unsupported'
              : 'supervisor.resources.unavailable',
          )}
        </p>
      )}
      {jobs.map((j) => (
        <div key={j.jobId} className="job" data-testid="job">
          <span>
            {Math.round(j.progress * 100)}% — {jobText(j)}
          </span>
          <div className={`bar${j.state === 'done' ? ' done' : ''}`}>
            <div style={{ width: `${Math.round(j.progress * 100)}%` }} />
          </div>
        </div>
      ))}
    </section>
  );
}

function DownloadPanel({ group, onDone }: { group: GroupSummary; onDone: () => Promise<void> }) {
  const { t, i18n } = useTranslation();
  const { api, controller } = useStation();
  const apply = useStore((s) => s.apply);
  const [code, setCode] = useState('');
  const [confirmGenerate, setConfirm] = useState(false);
  // what a download would hand out, before any code is asked for
  const [preview, setPreview] = useState<Result<{ licenses: number; heldByStations: number }> | null>(null);
  // read in the panel, not as a notice: offline, it would replace the notice of every other operation
  // and read again after a download: what it handed out is gone from the hub's count
  const [downloads, setDownloads] = useState(0);
  useEffect(() => {
    setPreview(null);
    void api.supervisor.downloadPreview({ groupId: group.id }).then(setPreview);
  }, [api, group.id, group.counts.left, downloads]);
  const request = async (): Promise<void> => {
    const r = await controller.run(api.supervisor.requestCode({ purpose: 'download', groupId: group.id }));
    if (r) apply(showNotice, 'info', codeSentText(t, r), Date.now());
  };
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const r = await controller.run(
      api.supervisor.download({ groupId: group.id, code, ...(group.deliveryMode === 'license_list' ? { confirmGenerate } : {}) }),
    );
    if (r) {
      apply(showNotice, 'success', t('supervisor.download.done', { count: r.licenses, path: r.filePath }), Date.now());
      setCode('');
      setDownloads((n) => n + 1);
      await onDone();
    }
  };
  return (
    <form className="panel" onSubmit={(e) => void submit(e)} data-testid="download-panel">
      <h3>{t('supervisor.download.title')}</h3>
      {preview === null ? null : !preview.ok ? (
        <p className="result-err" data-testid="download-preview">
          {errorText(t, (k) => i18n.exists(k), preview.error, i18n.language)}
        </p>
      ) : (
        <p className={preview.value.licenses === 0 ? 'result-err' : ''} data-testid="download-preview">
          {preview.value.licenses > 0
            ? t('supervisor.download.preview', { count: preview.value.licenses })
            : preview.value.heldByStations > 0
              ? t('supervisor.download.nothingHeld', { count: preview.value.heldByStations })
              : t('supervisor.download.nothing')}
        </p>
      )}
      <div className="row">
        <button
          type="button"
          onClick={() => void request()}
          disabled={preview?.ok === true && preview.value.licenses === 0}
          data-testid="download-request"
        >
          {t('supervisor.download.request')}
        </button>
        <label className="field">
          {t('supervisor.download.code')}
          <input
            value={code}
            onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
            maxLength={6}
            inputMode="numeric"
            name="downloadCode"
          />
        </label>
      </div>
      {group.deliveryMode === 'license_list' ? (
        <label className="row">
          <input type="checkbox" checked={confirmGenerate} onChange={(e) => setConfirm(e.target.checked)} />
          {t('supervisor.download.confirmGenerate')}
        </label>
      ) : null}
      <div>
        <button type="submit" className="primary" disabled={code.length !== 6}>
          {t('supervisor.download.button')}
        </button>
      </div>
    </form>
  );
}

function ReassignPanel({ group, onDone }: { group: GroupSummary; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const { api, controller } = useStation();
  const apply = useStore((s) => s.apply);
  const slots = useStore((s) => s.slots);
  const [chosen, setChosen] = useState<string[]>(group.assignment.slotIds);
  const [line, setLine] = useState(group.assignment.line ?? '');
  // lines from the hub's list (offline: as last synced), never typed
  const [lines, setLines] = useState<string[]>([]);
  useEffect(() => {
    void controller.run(api.supervisor.people()).then((p) => {
      if (p) setLines(p.lines);
    });
  }, [api, controller]);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const r = await controller.run(api.supervisor.reassign({ groupId: group.id, slotIds: chosen, line: line || null }));
    if (r) {
      apply(showNotice, 'success', r.queuedOffline ? t('supervisor.reassign.queued') : t('supervisor.reassign.done'), Date.now());
      await onDone();
    }
  };
  return (
    <form className="panel" onSubmit={(e) => void submit(e)}>
      <h3>{t('supervisor.reassign.title')}</h3>
      <div className="row">
        {slots.map((s) => (
          <label key={s.slotId} className="row">
            <input
              type="checkbox"
              checked={chosen.includes(s.slotId)}
              onChange={(e) => setChosen(e.target.checked ? [...chosen, s.slotId] : chosen.filter((x) => x !== s.slotId))}
            />
            {s.number}
          </label>
        ))}
      </div>
      <label className="field">
        {t('supervisor.reassign.line')}
        <select value={line} onChange={(e) => setLine(e.target.value)} data-testid="reassign-line">
          <option value="">{t('supervisor.reassign.noLine')}</option>
          {[...new Set([...lines, ...(line ? [line] : [])])].map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <div>
        <button type="submit" className="primary" disabled={chosen.length === 0} data-testid="reassign">
          {t('supervisor.reassign.button')}
        </button>
      </div>
    </form>
  );
}

function ImportTab() {
  const { t } = useTranslation();
  const { api, controller } = useStation();
  const apply = useStore((s) => s.apply);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [report, setReport] = useState<ImportReport | null>(null);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (file === null) return;
    const r = await controller.run(
      api.supervisor.importLicenses({
        fileName: file.name,
        contentBase64: await fileToBase64(file),
        ...(name.trim() ? { groupName: name.trim() } : {}),
      }),
    );
    setReport(r);
    if (r?.imported) {
      apply(showNotice, 'success', t('supervisor.import.ok', { count: r.rowsImported }), Date.now());
      await controller.refreshOverview();
    }
  };
  return (
    <form className="panel" onSubmit={(e) => void submit(e)} data-testid="import">
      <h3>{t('supervisor.import.title')}</h3>
      <div className="row">
        <label className="field">
          {t('supervisor.import.file')}
          <input type="file" accept=".csv,.xlsx" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="import-file" />
        </label>
        <label className="field">
          {t('supervisor.import.groupName')}
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
      </div>
      <div>
        <button type="submit" className="primary" disabled={file === null}>
          {t('supervisor.import.button')}
        </button>
      </div>
      {report && !report.imported ? (
        <>
          <p className="result-err">{t('supervisor.import.bad')}</p>
          <table className="problems" data-testid="import-problems">
            <thead>
              <tr>
                <th>{t('supervisor.import.line')}</th>
                <th>{t('supervisor.import.reason')}</th>
              </tr>
            </thead>
            <tbody>
              {report.problems.map((p, i) => (
                <tr key={i}>
                  <td>{p.line}</td>
                  <td>{p.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </form>
  );
}

function AuditTab() {
  const { t } = useTranslation();
  const { api, controller } = useStation();
  const apply = useStore((s) => s.apply);
  const [audit, setAudit] = useState<AuditCheck | null>(null);
  const auditMessage = (a: AuditCheck): string => {
    if (a.ok) return t('supervisor.audit.ok', { count: a.entries, licenses: a.licenses ?? 0 });
    const broken = a.firstBroken;
    return broken?.uuid
      ? t('supervisor.audit.disagrees', { uuid: broken.uuid, reason: broken.reason })
      : t('supervisor.audit.broken', { seq: broken?.seq, reason: broken?.reason });
  };
  const [range, setRange] = useState<'shift' | 'day'>('shift');
  const [code, setCode] = useState('');
  const request = async (): Promise<void> => {
    const r = await controller.run(api.supervisor.requestCode({ purpose: 'report_export' }));
    if (r) apply(showNotice, 'info', codeSentText(t, r), Date.now());
  };
  const exportReport = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const r = await controller.run(api.supervisor.exportReport({ code, range }));
    if (r) {
      apply(showNotice, 'success', t('supervisor.report.done', { count: r.rows, path: r.filePath }), Date.now());
      setCode('');
    }
  };
  return (
    <div className="detail">
      <section className="panel">
        <h3>{t('supervisor.audit.title')}</h3>
        <div>
          <button onClick={() => void controller.run(api.supervisor.auditCheck()).then(setAudit)} data-testid="audit-check">
            {t('supervisor.audit.check')}
          </button>
        </div>
        {audit ? (
          <p className={audit.ok ? 'result-ok' : 'result-err'} data-testid="audit-result">
            {auditMessage(audit)}
          </p>
        ) : null}
        {audit && audit.clockWentBack > 0 ? (
          <p className="result-err" data-testid="audit-clock">
            {t('supervisor.audit.clockWentBack', { count: audit.clockWentBack })}
          </p>
        ) : null}
      </section>
      <form className="panel" onSubmit={(e) => void exportReport(e)}>
        <h3>{t('supervisor.report.title')}</h3>
        <label className="field">
          {t('supervisor.report.range')}
          <select value={range} onChange={(e) => setRange(e.target.value as 'shift' | 'day')}>
            <option value="shift">{t('supervisor.report.shift')}</option>
            <option value="day">{t('supervisor.report.day')}</option>
          </select>
        </label>
        <div className="row">
          <button type="button" onClick={() => void request()} data-testid="report-code">
            {t('supervisor.download.request')}
          </button>
          <label className="field">
            {t('supervisor.download.code')}
            <input
              value={code}
              onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
              maxLength={6}
              inputMode="numeric"
              name="reportCode"
            />
          </label>
        </div>
        <div>
          <button type="submit" className="primary" disabled={code.length !== 6} data-testid="report-export">
            {t('supervisor.report.button')}
          </button>
        </div>
      </form>
    </div>
  );
}

function OutcomeRow({ outcome: o }: { outcome: OfflineOutcome }) {
  const { t, i18n } = useTranslation();
  const groupName = useStore((s) => s.groups.find((g) => g.id === o.groupId)?.name ?? null);
  const text = outcomeText(t, (k) => i18n.exists(k), i18n.language, o, groupName);
  return (
    <tr data-testid="outcome-row" data-kind={o.kind} data-status={o.status}>
      <td className="muted">{new Date(o.at).toLocaleString(i18n.language)}</td>
      <td>{t(`supervisor.outcomes.kinds.${o.kind}`)}</td>
      <td>{text.what}</td>
      <td>
        <strong>{t(`supervisor.outcomes.${o.status}`)}</strong>
      </td>
      <td>
        {text.reason}
        {text.local ? ` — ${text.local}` : ''}
      </td>
    </tr>
  );
}

function OutcomesTab() {
  const { t } = useTranslation();
  const outcomes = useStore((s) => s.outcomes);
  return (
    <>
      <section className="panel" data-testid="outcomes">
        <h3>{t('supervisor.outcomes.title')}</h3>
        {outcomes.length === 0 ? (
          <p>{t('supervisor.outcomes.none')}</p>
        ) : (
          <table>
            <tbody>
              {outcomes.map((o) => (
                <OutcomeRow key={o.id} outcome={o} />
              ))}
            </tbody>
          </table>
        )}
      </section>
      <RefusedReportsPanel />
    </>
  );
}

/** Who may work at the station: the hub's factory accounts (read-only here) and the station's own operators and supervisors. */
function PeopleTab() {
  const { t } = useTranslation();
  const { api, controller } = useStation();
  const me = useStore((s) => s.session?.supervisor ?? null);
  const [people, setPeople] = useState<People | null>(null);
  const [op, setOp] = useState({ number: '', name: '', badge: '' });
  const [sup, setSup] = useState({ name: '', pin: '' });
  const [idle, setIdle] = useState('');
  useEffect(() => {
    void controller.run(api.supervisor.people()).then((p) => {
      if (p) {
        setPeople(p);
        setIdle(String(p.idleMinutes));
      }
    });
  }, [api, controller]);
  const done = (p: People | null): boolean => {
    if (p) setPeople(p);
    return p !== null;
  };
  const addOperator = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (
      done(
        await controller.run(
          api.supervisor.addOperator({ number: op.number, name: op.name, ...(op.badge.trim() ? { badge: op.badge } : {}) }),
          t('supervisor.people.added'),
        ),
      )
    )
      setOp({ number: '', name: '', badge: '' });
  };
  const addSupervisor = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (done(await controller.run(api.supervisor.addSupervisor(sup), t('supervisor.people.added')))) setSup({ name: '', pin: '' });
  };
  if (people === null) return <p>{t('app.loading')}</p>;
  const source = (x: { source: string }): string => t(`supervisor.people.source.${x.source}`);
  const shared = people.supervisors.some((x) => x.source === 'shared');
  return (
    <div className="detail">
      <section className="panel">
        <h3>{t('supervisor.people.operators')}</h3>
        <table data-testid="operators-table">
          <thead>
            <tr>
              <th>{t('supervisor.people.number')}</th>
              <th>{t('supervisor.name')}</th>
              <th>{t('supervisor.people.badge')}</th>
              <th>{t('supervisor.people.from')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {people.operators.map((o) => (
              <tr key={o.number}>
                <td>{o.number}</td>
                <td>{o.name}</td>
                <td>{o.hasBadge ? '✔' : ''}</td>
                <td>{source(o)}</td>
                <td>
                  {o.source === 'station' ? (
                    <button
                      className="small"
                      onClick={() => void controller.run(api.supervisor.removeOperator({ number: o.number })).then(done)}
                    >
                      {t('supervisor.people.remove')}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <form className="row" onSubmit={(e) => void addOperator(e)}>
          <input
            placeholder={t('supervisor.people.number')}
            value={op.number}
            onChange={(e) => setOp({ ...op, number: e.target.value })}
            data-testid="op-number"
            maxLength={16}
          />
          <input
            placeholder={t('supervisor.name')}
            value={op.name}
            onChange={(e) => setOp({ ...op, name: e.target.value })}
            data-testid="op-name"
            maxLength={64}
          />
          <input
            placeholder={t('supervisor.people.badgeOptional')}
            value={op.badge}
            onChange={(e) => setOp({ ...op, badge: e.target.value })}
            data-testid="op-badge"
            maxLength={64}
          />
          <button type="submit" className="primary" disabled={!op.number.trim() || !op.name.trim()} data-testid="op-add">
            {t('supervisor.people.addOperator')}
          </button>
        </form>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void controller.run(api.supervisor.setIdleSignOff({ minutes: Number(idle) }), t('supervisor.people.saved')).then(done);
          }}
        >
          <label className="field">
            {t('supervisor.people.idle')}
            <input type="number" min={0} max={1440} value={idle} onChange={(e) => setIdle(e.target.value)} data-testid="idle-minutes" />
          </label>
          <button type="submit">{t('supervisor.people.save')}</button>
        </form>
      </section>
      <section className="panel">
        <h3>{t('supervisor.people.supervisors')}</h3>
        <table data-testid="supervisors-table">
          <thead>
            <tr>
              <th>{t('supervisor.name')}</th>
              <th>{t('supervisor.people.from')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {people.supervisors.map((x) => (
              <tr key={x.id}>
                <td>{supervisorLabel(t, x)}</td>
                <td>{source(x)}</td>
                <td>
                  {x.source === 'station' && x.id !== me?.id ? (
                    <button className="small" onClick={() => void controller.run(api.supervisor.removeSupervisor({ id: x.id })).then(done)}>
                      {t('supervisor.people.remove')}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <form className="row" onSubmit={(e) => void addSupervisor(e)}>
          <input
            placeholder={t('supervisor.name')}
            value={sup.name}
            onChange={(e) => setSup({ ...sup, name: e.target.value })}
            data-testid="sup-name"
            maxLength={64}
          />
          <input
            type="password"
            inputMode="numeric"
            placeholder={t('supervisor.pinTitle')}
            value={sup.pin}
            onChange={(e) => setSup({ ...sup, pin: e.target.value.replace(/\D/g, '') })}
            data-testid="sup-pin"
            maxLength={8}
          />
          <button type="submit" className="primary" disabled={!sup.name.trim() || sup.pin.length < 4} data-testid="sup-add">
            {t('supervisor.people.addSupervisor')}
          </button>
        </form>
        {shared ? (
          <div className="row">
            <span className="grow muted">{t('supervisor.people.sharedText')}</span>
            <button
              onClick={() => void controller.run(api.supervisor.retireSharedPin(), t('supervisor.people.retired')).then(done)}
              disabled={me?.source === 'shared'}
              data-testid="retire-shared"
            >
              {t('supervisor.people.retire')}
            </button>
          </div>
        ) : null}
      </section>
    </div>
  );
}

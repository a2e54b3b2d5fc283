import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsoleAction, ConsoleCredentialRow, ResourceList } from '../../common/console-api';
import {
  deliveryModeSchema,
  type Credential,
  type DeliveryMode,
  type Job,
  type Product,
  type UpdatePreview,
  type UpdateRequest,
} from '../../common/hub-api';
import type { ErrorInfo } from '../../common/errors';
import { licenseListCsv, licenseListXlsx } from '../../common/license-file';
import { useHub } from '../context';
import { Dialog } from '../components/Dialog';
import { ErrorLine } from '../components/ErrorLine';
import { dateTime, money } from '../i18n';
import { infoOf } from '../state/errors';
import { saveFile } from '../state/files';
import { say, useStore } from '../state/store';
import { shortId } from '../../common/ids';

export interface OpenDialog {
  action: ConsoleAction;
  row: ConsoleCredentialRow;
}
interface Props {
  row: ConsoleCredentialRow;
  onClose: () => void;
  onChanged: () => void;
}

/** The dialog of one operation of the Operation column. */
export function CredentialDialog({ open, onClose, onChanged }: { open: OpenDialog; onClose: () => void; onChanged: () => void }) {
  const props = { row: open.row, onClose, onChanged };
  switch (open.action) {
    case 'download':
      return <DownloadDialog {...props} confirmGenerate={false} />;
    case 'confirm_generate_download':
      return <DownloadDialog {...props} confirmGenerate />;
    case 'split':
      return <SplitDialog {...props} />;
    case 'change_product':
      return <ChangeProductDialog {...props} />;
    case 'generate_resources':
      return <GenerateDialog {...props} />;
    case 'update_details':
      return <UpdatesDialog {...props} />;
    case 'update_history':
      return <UpdateHistoryDialog {...props} />;
    case 'recall':
      return <UpdatesDialog {...props} />;
    case 'assign':
      // the page opens AssignDialog itself, with the factories it has loaded
      return null;
  }
}

const features = (p: Pick<Product, 'homekit' | 'findmy'>, t: (k: string) => string): string =>
  [p.homekit ? t('feature.homekit') : null, p.findmy ? t('feature.findmy') : null].filter(Boolean).join(', ') || t('feature.none');
/** One license's price with what each feature adds: "$1.20 + HomeKit $0.60 = $1.80". */
const unitPrice = (p: Product, t: (k: string) => string, language: string): string => {
  const parts = [
    money(p.priceCents, language),
    ...(p.homekit && p.homekitPriceCents ? [`${t('feature.homekit')} ${money(p.homekitPriceCents, language)}`] : []),
    ...(p.findmy && p.findmyPriceCents ? [`${t('feature.findmy')} ${money(p.findmyPriceCents, language)}`] : []),
  ];
  return parts.length > 1 ? `${parts.join(' + ')} = ${money(p.unitPriceCents, language)}` : money(p.unitPriceCents, language);
};

function DownloadDialog({ row, onClose, onChanged, confirmGenerate }: Props & { confirmGenerate: boolean }) {
  const { t } = useTranslation();
  const client = useHub();
  const account = useStore((s) => s.session?.account);
  const contacts = useMemo(
    () => [
      ...(account?.email && account.emailVerified ? [{ channel: 'email' as const, to: account.email }] : []),
      ...(account?.phone && account.phoneVerified ? [{ channel: 'sms' as const, to: account.phone }] : []),
    ],
    [account],
  );
  const [channel, setChannel] = useState(0);
  const [sent, setSent] = useState<{ codeId: string; sentTo: string } | null>(null);
  const [code, setCode] = useState('');
  const [format, setFormat] = useState<'csv' | 'xlsx'>('csv');
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (): Promise<void> => {
    const c = contacts[channel];
    if (!c) return;
    setBusy(true);
    try {
      const r = await client.call('sendDownloadCode', { id: row.id, body: { channel: c.channel, destination: c.to } });
      setSent({ codeId: r.codeId, sentTo: r.sentTo });
      setError(null);
    } catch (e) {
      setError(infoOf(e));
    }
    setBusy(false);
  };
  const download = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!sent) return;
    setBusy(true);
    try {
      const r = await client.call('download', { id: row.id, body: { codeId: sent.codeId, code: code.trim(), confirmGenerate } });
      const rows = r.licenses.map((l) => ({ uuid: l.uuid, authkey: l.authkey, mac: l.mac, pid: row.product.pid }));
      const file = `${row.product.pid}-${shortId(row.id)}.${format}`;
      if (format === 'csv') saveFile(file, licenseListCsv(rows), 'text/csv');
      else saveFile(file, licenseListXlsx(rows), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      say({ kind: 'success', key: 'download.done', vars: { count: rows.length, file } });
      onChanged();
      onClose();
    } catch (err) {
      setError(infoOf(err));
    }
    setBusy(false);
  };

  return (
    <Dialog title={t(confirmGenerate ? 'download.listTitle' : 'download.title')} onClose={onClose} testId="download-dialog">
      <p>
        <strong>{row.name}</strong> · {row.product.name} ({row.product.pid})
      </p>
      {confirmGenerate ? (
        <p className="warn" role="note">
          {t('download.listWarning')}
        </p>
      ) : null}
      {contacts.length === 0 ? (
        <p>{t('download.noContact')}</p>
      ) : (
        <fieldset>
          <legend>{t('download.channel')}</legend>
          {contacts.map((c, i) => (
            <label key={c.channel} className="inline">
              <input type="radio" name="channel" checked={channel === i} onChange={() => setChannel(i)} disabled={sent !== null} />
              {t(`download.${c.channel}`, { to: c.to })}
            </label>
          ))}
          <button type="button" onClick={() => void send()} disabled={busy || sent !== null} data-testid="send-code">
            {t('download.send')}
          </button>
        </fieldset>
      )}
      {sent ? (
        <form onSubmit={(e) => void download(e)} className="stack">
          <p role="status">{t('download.sent', { to: sent.sentTo })}</p>
          <label className="field">
            {t('download.code')}
            <input
              name="code"
              inputMode="numeric"
              pattern="[0-9]{6}"
              maxLength={6}
              value={code}
              onChange={(e) => setCode(e.target.value)}
              required
              data-testid="code"
            />
          </label>
          <fieldset>
            <legend>{t('download.format')}</legend>
            <label className="inline">
              <input type="radio" name="format" checked={format === 'csv'} onChange={() => setFormat('csv')} />
              {t('download.csv')}
            </label>
            <label className="inline">
              <input type="radio" name="format" checked={format === 'xlsx'} onChange={() => setFormat('xlsx')} data-testid="format-xlsx" />
              {t('download.xlsx')}
            </label>
          </fieldset>
          <button className="primary" type="submit" disabled={busy} data-testid="download-submit">
            {t('download.submit')}
          </button>
        </form>
      ) : null}
      <ErrorLine error={error} />
    </Dialog>
  );
}

/** The credential in full (production details), for the dialogs that show them. */
function useCredential(id: string): Credential | null {
  const client = useHub();
  const [c, setC] = useState<Credential | null>(null);
  useEffect(() => {
    void client
      .call('getCredential', { id })
      .then(setC)
      .catch(() => undefined);
  }, [client, id]);
  return c;
}

function SplitDialog({ row, onClose, onChanged }: Props) {
  const { t } = useTranslation();
  const client = useHub();
  const credential = useCredential(row.id);
  const [purchased, setPurchased] = useState(0);
  const [free, setFree] = useState(0);
  const [error, setError] = useState<ErrorInfo | null>(null);
  // what can move: unused licenses at the hub (not leased to a station); the hub checks each kind again
  const available = row.counts.unused - row.counts.leased;
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    try {
      const r = await client.call('split', { id: row.id, body: { purchased, free } });
      say({ kind: 'success', key: 'split.done', vars: { count: r.child.purchased + r.child.free } });
      onChanged();
      onClose();
    } catch (err) {
      setError(infoOf(err));
    }
  };
  return (
    <Dialog title={t('split.title')} onClose={onClose} testId="split-dialog">
      <form onSubmit={(e) => void submit(e)} className="stack">
        <p>
          <strong>{row.name}</strong> · {row.product.name} ({row.product.pid})
        </p>
        <div className="row">
          <label className="field">
            {t('split.purchased')}
            <small>{t('split.available', { count: Math.min(row.purchased, available) })}</small>
            <input
              type="number"
              min={0}
              value={purchased}
              onChange={(e) => setPurchased(Math.max(0, Number(e.target.value) || 0))}
              data-testid="split-purchased"
            />
          </label>
          <label className="field">
            {t('split.free')}
            <small>{t('split.available', { count: Math.min(row.free, available) })}</small>
            <input
              type="number"
              min={0}
              value={free}
              onChange={(e) => setFree(Math.max(0, Number(e.target.value) || 0))}
              data-testid="split-free"
            />
          </label>
        </div>
        <p role="status">{t('split.newTotal', { count: purchased + free })}</p>
        {credential ? (
          <p className="muted">
            {t('split.stays', {
              firmwareKey: credential.firmwareKey,
              chip: credential.chip,
              factory: row.assignment.factory?.name ?? t('credentials.unassigned'),
            })}
          </p>
        ) : null}
        <ErrorLine error={error} />
        <button className="primary" type="submit" disabled={purchased + free === 0} data-testid="split-submit">
          {t('split.submit')}
        </button>
      </form>
    </Dialog>
  );
}

function ChangeProductDialog({ row, onClose, onChanged }: Props) {
  const { t } = useTranslation();
  const client = useHub();
  const language = useStore((s) => s.language);
  const [products, setProducts] = useState<Product[]>([]);
  const [query, setQuery] = useState('');
  const [picked, setPicked] = useState<Product | null>(null);
  const [delivery, setDelivery] = useState<DeliveryMode>(row.delivery);
  const [error, setError] = useState<ErrorInfo | null>(null);
  // Confirm Update Info: the hub's own figures for this product and mode, or the refusal the request would meet
  const [preview, setPreview] = useState<UpdatePreview | ErrorInfo | null>(null);
  useEffect(() => {
    void client
      .call('listProducts')
      .then((r) => setProducts(r.products))
      .catch((e: unknown) => setError(infoOf(e)));
  }, [client]);
  useEffect(() => {
    setPreview(null);
    if (!picked) return;
    let live = true;
    void client.call('previewUpdate', { id: row.id, query: { targetPid: picked.pid, deliveryMode: delivery } }).then(
      (p) => {
        if (live) setPreview(p);
      },
      (e: unknown) => {
        if (live) setPreview(infoOf(e));
      },
    );
    return () => {
      live = false;
    };
  }, [client, row.id, picked, delivery]);
  const q = query.trim().toLowerCase();
  const matches = products.filter(
    (p) => p.pid !== row.product.pid && (!q || p.name.toLowerCase().includes(q) || p.pid.toLowerCase().includes(q)),
  );
  const figures = preview && 'priceDifferenceCents' in preview ? preview : null;
  const refused = preview && 'code' in preview ? preview : null;

  const submit = async (): Promise<void> => {
    if (!picked) return;
    try {
      await client.call('requestUpdate', { id: row.id, body: { targetPid: picked.pid, deliveryMode: delivery } });
      say({ kind: 'success', key: 'change.done' });
      onChanged();
      onClose();
    } catch (err) {
      setError(infoOf(err));
    }
  };

  return (
    <Dialog title={t(picked ? 'change.confirmTitle' : 'change.title')} onClose={onClose} testId="change-dialog">
      <p>
        <strong>{row.name}</strong> · {row.product.name} ({row.product.pid}) <span className="muted">{t('change.current')}</span>
      </p>
      {!picked ? (
        <>
          <label className="field">
            {t('change.search')}
            <input
              type="search"
              value={query}
              placeholder={t('change.searchHint')}
              onChange={(e) => setQuery(e.target.value)}
              data-testid="product-search"
            />
          </label>
          <ul className="picklist">
            {matches.map((p) => (
              <li key={p.pid}>
                <button onClick={() => setPicked(p)} aria-label={t('change.pick', { name: p.name })} data-testid={`pick-${p.pid}`}>
                  <strong>{p.name}</strong>{' '}
                  <span className="muted">
                    {p.pid} · {money(p.unitPriceCents, language)} · {features(p, t)}
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {matches.length === 0 ? <p className="muted">{t('change.none')}</p> : null}
        </>
      ) : (
        <div className="stack" data-testid="confirm-update-info">
          <dl className="facts">
            <dt>{t('change.newProduct')}</dt>
            <dd>{picked.name}</dd>
            <dt>{t('change.pid')}</dt>
            <dd>{picked.pid}</dd>
            <dt>{t('change.price')}</dt>
            <dd>{unitPrice(picked, t, language)}</dd>
            <dt>{t('change.features')}</dt>
            <dd>{features(picked, t)}</dd>
            <dt>{t('change.difference')}</dt>
            <dd data-testid="price-difference" aria-busy={preview === null}>
              {!figures
                ? refused
                  ? '—'
                  : t('dialog.working')
                : figures.priceDifferenceCents > 0
                  ? t('change.differenceText', {
                      amount: money(figures.priceDifferenceCents, language, figures.currency),
                      count: figures.chargedLicenses,
                    })
                  : figures.priceDifferenceCents < 0
                    ? t('change.lowerText', {
                        amount: money(-figures.priceDifferenceCents, language, figures.currency),
                        count: figures.chargedLicenses,
                      })
                    : t('change.noDifference')}
            </dd>
          </dl>
          <label className="field">
            {t('change.delivery')}
            <select value={delivery} onChange={(e) => setDelivery(e.target.value as DeliveryMode)} data-testid="delivery-mode">
              {deliveryModeSchema.options.map((d) => (
                <option key={d} value={d}>
                  {t(`delivery.${d}`)}
                </option>
              ))}
            </select>
          </label>
          <ErrorLine error={refused} />
          <div className="row">
            <button onClick={() => setPicked(null)}>{t('dialog.back')}</button>
            <button className="primary" onClick={() => void submit()} disabled={!figures} data-testid="change-submit">
              {t('change.submit')}
            </button>
          </div>
        </div>
      )}
      <ErrorLine error={error} />
    </Dialog>
  );
}

function GenerateDialog({ row, onClose, onChanged }: Props) {
  const { t } = useTranslation();
  const client = useHub();
  const [product, setProduct] = useState<Product | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  useEffect(() => {
    void client
      .call('listProducts')
      .then((r) => setProduct(r.products.find((p) => p.pid === row.product.pid) ?? null))
      .catch(() => undefined);
  }, [client, row.product.pid]);
  const track = (next: Job): void => {
    setJob(next);
    if (next.state === 'done') {
      say({ kind: 'success', key: 'generate.done' });
      onChanged();
    }
  };
  // progress: ask the hub every second until the job ends
  useEffect(() => {
    if (!job || job.state === 'done' || job.state === 'failed') return;
    const timer = setTimeout(() => {
      void client
        .call('getJob', { id: job.id })
        .then(track)
        .catch((e: unknown) => setError(infoOf(e)));
    }, 1000);
    return () => clearTimeout(timer);
  });
  const start = async (): Promise<void> => {
    try {
      track(await client.call('startThirdPartyJob', { id: row.id, body: {} }));
    } catch (e) {
      setError(infoOf(e));
    }
  };
  return (
    <Dialog title={t('generate.title')} onClose={onClose} testId="generate-dialog">
      <p>{t('generate.text', { kinds: product ? features(product, t) : '…', count: row.total })}</p>
      {!job ? (
        <button className="primary" onClick={() => void start()} data-testid="generate-start">
          {t('generate.start')}
        </button>
      ) : (
        <div className="stack">
          <progress max={Math.max(1, job.total)} value={job.done} aria-label={t('generate.title')} />
          <p role="status" data-testid="job-progress">
            {job.state === 'done'
              ? t('generate.done')
              : job.state === 'failed'
                ? t('generate.failed', { reason: job.error ?? '' })
                : t('generate.progress', { done: job.done, total: job.total })}
          </p>
        </div>
      )}
      <ResourcesPanel credentialId={row.id} pid={row.product.pid} refresh={job?.state ?? 'none'} />
      <ErrorLine error={error} />
    </Dialog>
  );
}

/** The resources a credential's licenses have: counts per kind, the first of them, and all of them as a CSV file. */
function ResourcesPanel({ credentialId, pid, refresh }: { credentialId: string; pid: string; refresh: string }) {
  const { t } = useTranslation();
  const client = useHub();
  const [list, setList] = useState<ResourceList | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  useEffect(() => {
    void client
      .call('consoleResources', { id: credentialId, query: { pageSize: 5 } })
      .then(setList)
      .catch((e: unknown) => setError(infoOf(e)));
  }, [client, credentialId, refresh]);
  const save = async (): Promise<void> => {
    try {
      const file = `${pid}-${shortId(credentialId)}-resources.csv`;
      saveFile(file, await client.call('consoleResourcesFile', { id: credentialId, query: {} }), 'text/csv');
      say({ kind: 'success', key: 'generate.saved', vars: { file } });
    } catch (e) {
      setError(infoOf(e));
    }
  };
  if (!list) return <ErrorLine error={error} />;
  return (
    <section className="stack" aria-labelledby="resources-title" data-testid="resources">
      <h3 id="resources-title">{t('generate.resources')}</h3>
      <p data-testid="resources-count">
        {t('generate.generated', { kind: t('feature.homekit'), count: list.generated.homekit, licenses: list.licenses })} ·{' '}
        {t('generate.generated', { kind: t('feature.findmy'), count: list.generated.findmy, licenses: list.licenses })}
      </p>
      {list.rows.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('generate.license')}</th>
              <th scope="col">{t('generate.kind')}</th>
              <th scope="col">{t('generate.resource')}</th>
            </tr>
          </thead>
          <tbody>
            {list.rows.map((r) => (
              <tr key={`${r.uuid}-${r.kind}`} data-testid="resource-row">
                <td>{r.uuid}</td>
                <td>{t(`feature.${r.kind}`)}</td>
                <td>
                  <code>
                    {Object.entries(r.fields)
                      .map(([k, v]) => `${k} ${v}`)
                      .join(' · ')}
                  </code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">{t('generate.noResources')}</p>
      )}
      {list.total > 0 ? (
        <button onClick={() => void save()} data-testid="resources-file">
          {t('generate.file')}
        </button>
      ) : null}
      <ErrorLine error={error} />
    </section>
  );
}

function UpdatesDialog({ row, onClose, onChanged }: Props) {
  const { t } = useTranslation();
  const client = useHub();
  const language = useStore((s) => s.language);
  const role = useStore((s) => s.session?.account.role);
  const [updates, setUpdates] = useState<UpdateRequest[] | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const load = useCallback(async (): Promise<void> => {
    try {
      setUpdates((await client.call('listUpdates', { id: row.id })).updates);
    } catch (e) {
      setError(infoOf(e));
    }
  }, [client, row.id]);
  useEffect(() => {
    void load();
  }, [load]);
  const recall = async (u: UpdateRequest): Promise<void> => {
    try {
      await client.call('recallUpdate', { id: u.id });
      say({ kind: 'success', key: 'updates.recalled' });
      onChanged();
      await load();
    } catch (e) {
      setError(infoOf(e));
    }
  };
  return (
    <Dialog title={t('updates.title')} onClose={onClose} testId="updates-dialog">
      <p>
        <strong>{row.name}</strong> · {row.product.name} ({row.product.pid})
      </p>
      {updates && updates.length === 0 ? <p className="muted">{t('updates.none')}</p> : null}
      {updates && updates.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('updates.from')}</th>
              <th scope="col">{t('updates.to')}</th>
              <th scope="col" className="num">
                {t('updates.licenses')}
              </th>
              <th scope="col" className="num">
                {t('updates.difference')}
              </th>
              <th scope="col">{t('updates.state')}</th>
              <th scope="col">{t('updates.created')}</th>
              <th scope="col">
                <span className="sr-only">{t('updates.recall')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {updates.map((u) => (
              <tr key={u.id} data-testid="update-row">
                <td>
                  {u.fromPid}
                  <div className="muted">{t(`delivery.${u.fromDeliveryMode}`)}</div>
                </td>
                <td>
                  {u.toPid}
                  <div className="muted">{t(`delivery.${u.toDeliveryMode}`)}</div>
                </td>
                <td className="num">{u.licenses}</td>
                <td className="num">{money(u.priceDifferenceCents, language)}</td>
                <td>
                  <span className={`badge ${u.state}`} data-testid="update-state">
                    {t(`updateState.${u.state}`)}
                  </span>
                  {u.rejectionReason !== null ? (
                    <div className="muted" data-testid="rejection-reason">
                      {t('updates.reason')}: {u.rejectionReason}
                    </div>
                  ) : null}
                </td>
                <td>{dateTime(u.createdAt, language)}</td>
                <td>
                  {role === 'owner' && (u.state === 'confirming_update' || u.state === 'being_paid') ? (
                    <button className="small" onClick={() => void recall(u)} data-testid="recall">
                      {t('updates.recall')}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <ErrorLine error={error} />
    </Dialog>
  );
}

function UpdateHistoryDialog({ row, onClose }: Props) {
  const { t } = useTranslation();
  const client = useHub();
  const language = useStore((s) => s.language);
  const [done, setDone] = useState<{ update: UpdateRequest; product: Product | null; from: Product | null }[] | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  useEffect(() => {
    void Promise.all([client.call('listUpdates', { id: row.id }), client.call('listProducts')])
      .then(([u, p]) =>
        setDone(
          u.updates
            .filter((x) => x.state === 'updated' || x.state === 'rejected')
            .map((update) => ({
              update,
              product: p.products.find((x) => x.pid === update.toPid) ?? null,
              from: p.products.find((x) => x.pid === update.fromPid) ?? null,
            })),
        ),
      )
      .catch((e: unknown) => setError(infoOf(e)));
  }, [client, row.id]);
  return (
    <Dialog title={t('updates.detailsTitle')} onClose={onClose} testId="update-history-dialog">
      <p>
        <strong>{row.name}</strong>
      </p>
      {done && done.length === 0 ? <p className="muted">{t('updates.noneDone')}</p> : null}
      {done?.map(({ update, product, from }) => (
        <dl className="facts" key={update.id} data-testid="update-details" data-state={update.state}>
          <dt>{t('updates.oldProduct')}</dt>
          <dd>
            {from?.name ?? update.fromPid} ({update.fromPid})
          </dd>
          <dt>{t('updates.newProduct')}</dt>
          <dd>{product?.name ?? update.toPid}</dd>
          <dt>{t('change.pid')}</dt>
          <dd>{update.toPid}</dd>
          <dt>{t('change.price')}</dt>
          <dd>{product ? unitPrice(product, t, language) : '—'}</dd>
          <dt>{t('change.features')}</dt>
          <dd>{product ? features(product, t) : '—'}</dd>
          <dt>{t('change.delivery')}</dt>
          <dd>{t(`delivery.${update.toDeliveryMode}`)}</dd>
          <dt>{t('updates.difference')}</dt>
          <dd>{t('change.differenceText', { amount: money(update.priceDifferenceCents, language), count: update.chargedLicenses })}</dd>
          {update.state === 'rejected' ? (
            <>
              <dt>{t('updates.rejectedOn')}</dt>
              <dd>{dateTime(update.rejectedAt, language)}</dd>
              <dt>{t('updates.reason')}</dt>
              <dd data-testid="rejection-reason">{update.rejectionReason}</dd>
            </>
          ) : (
            <>
              <dt>{t('updateState.updated')}</dt>
              <dd>{dateTime(update.completedAt, language)}</dd>
            </>
          )}
        </dl>
      ))}
      <ErrorLine error={error} />
    </Dialog>
  );
}

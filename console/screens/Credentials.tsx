import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  type AllowedAction,
  type ConsoleCredentialPage,
  type ConsoleCredentialRow,
  type ConsoleSort,
  type ConsoleTab,
} from '../../common/console-api';
import { credentialStateSchema, deliveryModeSchema, type Factory, type Product } from '../../common/hub-api';
import type { ErrorInfo } from '../../common/errors';
import { shortId } from '../../common/ids';
import { useHub } from '../context';
import { ErrorLine } from '../components/ErrorLine';
import { dateTime, reasonText } from '../i18n';
import { infoOf } from '../state/errors';
import { say, useStore } from '../state/store';
import { AssignDialog } from './AssignDialog';
import { CredentialDialog, type OpenDialog } from './CredentialDialogs';

const columns: { key: string; sort?: ConsoleSort; numeric?: boolean }[] = [
  { key: 'name', sort: 'name' },
  { key: 'product', sort: 'product' },
  { key: 'purchased', sort: 'purchased', numeric: true },
  { key: 'free', sort: 'free', numeric: true },
  { key: 'total', sort: 'total', numeric: true },
  { key: 'unused', sort: 'unused', numeric: true },
  { key: 'leased', sort: 'leased', numeric: true },
  { key: 'burned', sort: 'burned', numeric: true },
  { key: 'spoiled', sort: 'spoiled', numeric: true },
  { key: 'exported', sort: 'exported', numeric: true },
  { key: 'delivery', sort: 'delivery' },
  { key: 'state', sort: 'state' },
  { key: 'assignment' },
  { key: 'created', sort: 'createdAt' },
  { key: 'operation' },
];

interface Filters {
  q: string;
  state: string;
  productId: string;
  factoryId: string;
  delivery: string;
}
const noFilters: Filters = { q: '', state: '', productId: '', factoryId: '', delivery: '' };

/** The seed's Manage Credentials page: tabs, search, filters, sort, paging (all by the hub), and the Operation column. */
export function Credentials() {
  const { t } = useTranslation();
  const client = useHub();
  const language = useStore((s) => s.language);
  const role = useStore((s) => s.session?.account.role);
  const [tab, setTab] = useState<ConsoleTab>('mine');
  const [filters, setFilters] = useState<Filters>(noFilters);
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<{ by: ConsoleSort; dir: 'asc' | 'desc' }>({ by: 'createdAt', dir: 'desc' });
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(25);
  const [data, setData] = useState<ConsoleCredentialPage | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [products, setProducts] = useState<Product[]>([]);
  const [factories, setFactories] = useState<Factory[]>([]);
  const [open, setOpen] = useState<OpenDialog | null>(null);

  useEffect(() => {
    void client
      .call('listProducts')
      .then((r) => setProducts(r.products))
      .catch(() => undefined);
    void client
      .call('listFactories')
      .then((r) => setFactories(r.factories))
      .catch(() => undefined);
  }, [client]);

  // typing waits a moment before the hub is asked
  useEffect(() => {
    const timer = setTimeout(() => {
      setFilters((f) => (f.q === search ? f : { ...f, q: search }));
      setPage(1);
    }, 250);
    return () => clearTimeout(timer);
  }, [search]);

  const load = useCallback(async (): Promise<void> => {
    try {
      setData(await client.call('consoleCredentials', { query: { tab, ...filters, sort: sort.by, dir: sort.dir, page, pageSize } }));
      setError(null);
    } catch (e) {
      setError(infoOf(e));
    }
  }, [client, tab, filters, sort, page, pageSize]);
  useEffect(() => {
    void load();
  }, [load]);

  const setFilter = (k: keyof Filters, v: string): void => {
    setFilters((f) => ({ ...f, [k]: v }));
    setPage(1);
  };
  const sortBy = (by: ConsoleSort): void => {
    setSort((s) => ({ by, dir: s.by === by && s.dir === 'asc' ? 'desc' : 'asc' }));
    setPage(1);
  };
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;

  return (
    <section className="panel" aria-labelledby="credentials-title">
      <h1 id="credentials-title">{t('credentials.title')}</h1>
      <div className="tabs" role="tablist" aria-label={t('credentials.title')}>
        {(['mine', 'customers'] as const).map((k) => (
          <button
            key={k}
            role="tab"
            aria-selected={tab === k}
            aria-controls="credentials-table"
            onClick={() => {
              setTab(k);
              setPage(1);
            }}
            data-testid={`tab-${k}`}
          >
            {t(k === 'mine' ? 'credentials.mine' : 'credentials.customers')}
          </button>
        ))}
      </div>
      <div className="row filters">
        <label className="field">
          {t('credentials.search')}
          <input
            type="search"
            value={search}
            placeholder={t('credentials.searchHint')}
            onChange={(e) => setSearch(e.target.value)}
            data-testid="search"
          />
        </label>
        <FilterSelect
          label={t('credentials.filterState')}
          value={filters.state}
          onChange={(v) => setFilter('state', v)}
          testId="filter-state"
          options={credentialStateSchema.options.map((s) => ({ value: s, label: t(`state.${s}`) }))}
        />
        <FilterSelect
          label={t('credentials.filterProduct')}
          value={filters.productId}
          onChange={(v) => setFilter('productId', v)}
          testId="filter-product"
          options={products.map((p) => ({ value: p.pid, label: `${p.name} (${p.pid})` }))}
        />
        <FilterSelect
          label={t('credentials.filterFactory')}
          value={filters.factoryId}
          onChange={(v) => setFilter('factoryId', v)}
          testId="filter-factory"
          options={factories.map((f) => ({ value: f.id, label: f.name }))}
        />
        <FilterSelect
          label={t('credentials.filterDelivery')}
          value={filters.delivery}
          onChange={(v) => setFilter('delivery', v)}
          testId="filter-delivery"
          options={deliveryModeSchema.options.map((d) => ({ value: d, label: t(`delivery.${d}`) }))}
        />
        <button
          className="small"
          onClick={() => {
            setFilters(noFilters);
            setSearch('');
            setPage(1);
          }}
        >
          {t('credentials.clear')}
        </button>
        <span className="grow" />
        <button className="small" onClick={() => void load()} data-testid="refresh">
          {t('credentials.refresh')}
        </button>
      </div>
      <ErrorLine error={error} />
      <div className="table-wrap">
        <table id="credentials-table" role="tabpanel" data-testid="credentials-table">
          <thead>
            <tr>
              {columns.map((c) => (
                <th
                  key={c.key}
                  scope="col"
                  className={c.numeric ? 'num' : undefined}
                  aria-sort={c.sort && sort.by === c.sort ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
                >
                  {c.sort ? (
                    <button
                      className="sort"
                      onClick={() => sortBy(c.sort!)}
                      title={t('credentials.sortBy', { column: t(`credentials.col.${c.key}`) })}
                      data-testid={`sort-${c.key}`}
                    >
                      {t(`credentials.col.${c.key}`)}
                      {sort.by === c.sort ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
                    </button>
                  ) : (
                    t(`credentials.col.${c.key}`)
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data?.rows.map((row) => (
              <tr key={row.id} data-testid="credential-row" data-id={row.id}>
                <td>
                  <strong>{row.name}</strong>
                  {row.orderNo ? <div className="muted">{row.orderNo}</div> : null}
                  <div className="muted" title={t('credentials.idTitle', { id: row.id })} data-testid="short-id">
                    {t('credentials.shortId', { id: shortId(row.id) })}
                  </div>
                  {row.customerName ? (
                    <div className="muted" data-testid="customer">
                      {t('credentials.customer', { name: row.customerName })}
                    </div>
                  ) : null}
                </td>
                <td>
                  {row.product.name}
                  <div className="muted">{row.product.pid}</div>
                </td>
                <td className="num">{row.purchased}</td>
                <td className="num">{row.free}</td>
                <td className="num">{row.total}</td>
                <td className="num">{row.counts.unused}</td>
                <td className="num">{row.counts.leased}</td>
                <td className="num">{row.counts.burned}</td>
                <td className="num">{row.counts.spoiled}</td>
                <td className="num">{row.counts.exported}</td>
                <td>{t(`delivery.${row.delivery}`)}</td>
                <td>
                  <span className={`badge ${row.state}`} data-testid="state">
                    {t(`state.${row.state}`)}
                  </span>
                  {row.confirmed ? null : (
                    <div className="muted" data-testid="unconfirmed">
                      {t('credentials.unconfirmed')}
                    </div>
                  )}
                </td>
                <td>
                  <Assignment row={row} />
                </td>
                <td>{dateTime(row.createdAt, language)}</td>
                <td>
                  <Operations
                    row={row}
                    onOpen={(action) => {
                      say(null);
                      setOpen({ action, row });
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {data && data.rows.length === 0 ? <p className="muted">{t('credentials.empty')}</p> : null}
      </div>
      <nav className="row pager" aria-label={t('credentials.page', { page, pages })}>
        <span data-testid="total">{t('credentials.count', { count: data?.total ?? 0 })}</span>
        <span className="grow" />
        <label className="inline">
          {t('credentials.pageSize')}
          <select
            value={pageSize}
            onChange={(e) => {
              setPageSize(Number(e.target.value));
              setPage(1);
            }}
            data-testid="page-size"
          >
            {[10, 25, 50, 100].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button className="small" disabled={page <= 1} onClick={() => setPage((p) => p - 1)} data-testid="prev">
          {t('credentials.prev')}
        </button>
        <span data-testid="page">{t('credentials.page', { page, pages })}</span>
        <button className="small" disabled={page >= pages} onClick={() => setPage((p) => p + 1)} data-testid="next">
          {t('credentials.next')}
        </button>
      </nav>
      {open?.action === 'assign' ? (
        <AssignDialog
          row={open.row}
          factories={factories}
          canUnassign={role === 'owner'}
          onClose={() => setOpen(null)}
          onChanged={() => void load()}
        />
      ) : open ? (
        <CredentialDialog open={open} onClose={() => setOpen(null)} onChanged={() => void load()} />
      ) : null}
    </section>
  );
}

function FilterSelect({
  label,
  value,
  onChange,
  options,
  testId,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  options: { value: string; label: string }[];
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <label className="field">
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <option value="">{t('credentials.all')}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function Assignment({ row }: { row: ConsoleCredentialRow }) {
  const { t } = useTranslation();
  const a = row.assignment;
  if (!a.factory) return <span className="muted">{t('credentials.unassigned')}</span>;
  return (
    <>
      {a.factory.name}
      <div className="muted">
        {a.line?.name ?? t('credentials.anyLine')} · {a.station?.name ?? t('credentials.anyStation')}
      </div>
    </>
  );
}

/**
 * The actions the hub allows for this credential and this account. An action not allowed stays visible,
 * marked unavailable (aria-disabled, so it can be focused) with the hub's reason on hover and focus.
 */
function Operations({ row, onOpen }: { row: ConsoleCredentialRow; onOpen: (a: AllowedAction['action']) => void }) {
  const { t } = useTranslation();
  const language = useStore((s) => s.language);
  return (
    <div className="ops">
      {row.allowedActions.map((a) => (
        <button
          key={a.action}
          className={`small op${a.allowed ? '' : ' unavailable'}`}
          aria-disabled={!a.allowed}
          title={a.allowed || !a.reason ? undefined : reasonText(a.reason, language)}
          aria-label={a.allowed || !a.reason ? undefined : `${t(`action.${a.action}`)}: ${reasonText(a.reason, language)}`}
          onClick={() => {
            if (a.allowed) onOpen(a.action);
          }}
          data-testid={`op-${a.action}`}
          data-allowed={a.allowed}
        >
          {t(`action.${a.action}`)}
        </button>
      ))}
    </div>
  );
}

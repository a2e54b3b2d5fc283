import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Credential, Product, UpdateRequest } from '../../common/hub-api';
import type { ErrorInfo } from '../../common/errors';
import { useHub } from '../context';
import { ErrorLine } from '../components/ErrorLine';
import { dateTime, money } from '../i18n';
import { infoOf } from '../state/errors';
import { say, useStore } from '../state/store';

/** Platform: product changes waiting for approval and payments to record. Owner: customer's credentials to confirm. */
export function Approvals() {
  const role = useStore((s) => s.session?.account.role);
  return role === 'platform' ? <PlatformApprovals /> : <CustomerConfirmations />;
}

interface Open { update: UpdateRequest; credential: Credential }

function PlatformApprovals() {
  const { t } = useTranslation();
  const client = useHub();
  const language = useStore((s) => s.language);
  const [open, setOpen] = useState<Open[] | null>(null);
  const [products, setProducts] = useState<Product[]>([]);
  const [refs, setRefs] = useState<Record<string, string>>({});
  const [error, setError] = useState<ErrorInfo | null>(null);

  const load = useCallback(async (): Promise<void> => {
    try {
      const [reviewing, paying, p] = await Promise.all([
        client.call('listCredentials', { query: { state: 'confirming_update' } }), client.call('listCredentials', { query: { state: 'being_paid' } }), client.call('listProducts'),
      ]);
      setProducts(p.products);
      const rows: Open[] = [];
      for (const credential of [...reviewing.credentials, ...paying.credentials]) {
        const { updates } = await client.call('listUpdates', { id: credential.id });
        for (const update of updates) if (update.state === 'confirming_update' || update.state === 'being_paid') rows.push({ update, credential });
      }
      setOpen(rows.sort((a, b) => a.update.createdAt.localeCompare(b.update.createdAt)));
    } catch (e) { setError(infoOf(e)); }
  }, [client]);
  useEffect(() => { void load(); }, [load]);

  const act = async (fn: () => Promise<unknown>, key: string): Promise<void> => {
    try { await fn(); say({ kind: 'success', key }); setError(null); } catch (e) { setError(infoOf(e)); }
    await load();
  };
  const name = (pid: string): string => products.find((p) => p.pid === pid)?.name ?? pid;
  const waiting = open?.filter((o) => o.update.state === 'confirming_update') ?? [];
  const paying = open?.filter((o) => o.update.state === 'being_paid') ?? [];
  const head = (
    <thead><tr><th scope="col">{t('approvals.credential')}</th><th scope="col">{t('approvals.change')}</th><th scope="col" className="num">{t('updates.licenses')}</th><th scope="col" className="num">{t('updates.difference')}</th><th scope="col">{t('updates.created')}</th><th scope="col">{t('credentials.col.operation')}</th></tr></thead>
  );
  const cells = (o: Open) => (
    <>
      <td>{o.credential.customerName ?? o.credential.pid}<div className="muted">{o.credential.id.slice(0, 8)}</div></td>
      <td>{name(o.update.fromPid)} → <strong>{name(o.update.toPid)}</strong><div className="muted">{t(`delivery.${o.update.toDeliveryMode}`)}</div></td>
      <td className="num">{o.update.licenses}</td>
      <td className="num">{money(o.update.priceDifferenceCents, language)}</td>
      <td>{dateTime(o.update.createdAt, language)}</td>
    </>
  );

  return (
    <>
      <ErrorLine error={error} />
      <section className="panel" aria-labelledby="approvals-title">
        <h1 id="approvals-title">{t('approvals.title')}</h1>
        {open && waiting.length === 0 ? <p className="muted">{t('approvals.none')}</p> : (
          <table data-testid="approvals-table">{head}<tbody>
            {waiting.map((o) => (
              <tr key={o.update.id} data-testid="approval-row">{cells(o)}
                <td><button className="small primary" onClick={() => void act(() => client.call('approveUpdate', { id: o.update.id }), 'approvals.approved')} data-testid="approve">{t('approvals.approve')}</button></td>
              </tr>
            ))}
          </tbody></table>
        )}
      </section>
      <section className="panel" aria-labelledby="payments-title">
        <h2 id="payments-title">{t('approvals.paymentsTitle')}</h2>
        {open && paying.length === 0 ? <p className="muted">{t('approvals.noPayments')}</p> : (
          <table data-testid="payments-table">{head}<tbody>
            {paying.map((o) => (
              <tr key={o.update.id} data-testid="payment-row">{cells(o)}
                <td className="row">
                  <label className="inline"><span className="sr-only">{t('approvals.reference')}</span>
                    <input value={refs[o.update.id] ?? ''} placeholder={t('approvals.reference')} onChange={(e) => setRefs({ ...refs, [o.update.id]: e.target.value })} data-testid="payment-ref" />
                  </label>
                  <button className="small primary" disabled={!refs[o.update.id]?.trim()} onClick={() => void act(() => client.call('payUpdate', { id: o.update.id, body: { paymentReference: refs[o.update.id]!.trim() } }), 'approvals.paid')} data-testid="pay">{t('approvals.record')}</button>
                </td>
              </tr>
            ))}
          </tbody></table>
        )}
      </section>
    </>
  );
}

function CustomerConfirmations() {
  const { t } = useTranslation();
  const client = useHub();
  const language = useStore((s) => s.language);
  const [rows, setRows] = useState<Credential[] | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const load = useCallback(async (): Promise<void> => {
    try { setRows((await client.call('listCredentials', { query: { owner: 'customer' } })).credentials.filter((c) => !c.confirmed)); } catch (e) { setError(infoOf(e)); }
  }, [client]);
  useEffect(() => { void load(); }, [load]);
  const confirm = async (c: Credential): Promise<void> => {
    try { await client.call('confirmCredential', { id: c.id }); say({ kind: 'success', key: 'approvals.confirmed' }); setError(null); } catch (e) { setError(infoOf(e)); }
    await load();
  };
  return (
    <section className="panel" aria-labelledby="confirm-title">
      <h1 id="confirm-title">{t('approvals.confirmTitle')}</h1>
      <ErrorLine error={error} />
      {rows && rows.length === 0 ? <p className="muted">{t('approvals.noConfirm')}</p> : (
        <table data-testid="confirm-table">
          <thead><tr><th scope="col">{t('credentials.col.name')}</th><th scope="col">{t('credentials.col.product')}</th><th scope="col" className="num">{t('credentials.col.total')}</th><th scope="col">{t('credentials.col.delivery')}</th><th scope="col">{t('credentials.col.created')}</th><th scope="col">{t('credentials.col.operation')}</th></tr></thead>
          <tbody>
            {rows?.map((c) => (
              <tr key={c.id} data-testid="confirm-row">
                <td>{c.customerName ?? c.id.slice(0, 8)}</td><td>{c.pid}</td><td className="num">{c.purchased + c.free}</td>
                <td>{t(`delivery.${c.deliveryMode}`)}</td><td>{dateTime(c.createdAt, language)}</td>
                <td><button className="small primary" onClick={() => void confirm(c)} data-testid="confirm">{t('action.confirm')}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

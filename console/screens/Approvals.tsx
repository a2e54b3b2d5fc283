import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Credential, Product, UpdateRequest } from '../../common/hub-api';
import type { ErrorInfo } from '../../common/errors';
import { useHub } from '../context';
import { Dialog } from '../components/Dialog';
import { ErrorLine } from '../components/ErrorLine';
import { dateTime, money } from '../i18n';
import { infoOf } from '../state/errors';
import { say, useStore } from '../state/store';
import { shortId } from '../../common/ids';

/** Platform: product changes waiting for approval (approve, or reject with a reason) and payments to record. Owner: customer's credentials to confirm. */
export function Approvals() {
  const role = useStore((s) => s.session?.account.role);
  return role === 'platform' ? <PlatformApprovals /> : <CustomerConfirmations />;
}

/**
 * Runs one action, reloads the list, then says it succeeded: the list is reloaded before the
 * notice, so a notice never stands beside a row it says is gone. A refusal is shown in place.
 */
async function actThenReload(
  fn: () => Promise<unknown>,
  key: string,
  load: () => Promise<void>,
  setError: (e: ErrorInfo | null) => void,
): Promise<void> {
  let done = false;
  try {
    await fn();
    done = true;
    setError(null);
  } catch (e) {
    setError(infoOf(e));
  }
  await load();
  if (done) say({ kind: 'success', key });
}

interface Open {
  update: UpdateRequest;
  credential: Credential;
}

function PlatformApprovals() {
  const { t } = useTranslation();
  const client = useHub();
  const language = useStore((s) => s.language);
  const [open, setOpen] = useState<Open[] | null>(null);
  const [products, setProducts] = useState<Product[]>([]);
  const [refs, setRefs] = useState<Record<string, string>>({});
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [rejecting, setRejecting] = useState<Open | null>(null);

  const load = useCallback(async (): Promise<void> => {
    try {
      const [reviewing, paying, p] = await Promise.all([
        client.call('listCredentials', { query: { state: 'confirming_update' } }),
        client.call('listCredentials', { query: { state: 'being_paid' } }),
        client.call('listProducts'),
      ]);
      setProducts(p.products);
      const rows: Open[] = [];
      for (const credential of [...reviewing.credentials, ...paying.credentials]) {
        const { updates } = await client.call('listUpdates', { id: credential.id });
        for (const update of updates)
          if (update.state === 'confirming_update' || update.state === 'being_paid') rows.push({ update, credential });
      }
      setOpen(rows.sort((a, b) => a.update.createdAt.localeCompare(b.update.createdAt)));
    } catch (e) {
      setError(infoOf(e));
    }
  }, [client]);
  useEffect(() => {
    void load();
  }, [load]);

  const act = (fn: () => Promise<unknown>, key: string): Promise<void> => actThenReload(fn, key, load, setError);
  const name = (pid: string): string => products.find((p) => p.pid === pid)?.name ?? pid;
  const waiting = open?.filter((o) => o.update.state === 'confirming_update') ?? [];
  const paying = open?.filter((o) => o.update.state === 'being_paid') ?? [];
  const head = (
    <thead>
      <tr>
        <th scope="col">{t('approvals.credential')}</th>
        <th scope="col">{t('approvals.change')}</th>
        <th scope="col" className="num">
          {t('updates.licenses')}
        </th>
        <th scope="col" className="num">
          {t('updates.difference')}
        </th>
        <th scope="col">{t('updates.created')}</th>
        <th scope="col">{t('credentials.col.operation')}</th>
      </tr>
    </thead>
  );
  const cells = (o: Open) => (
    <>
      <td>
        {o.credential.name ?? o.credential.customerName ?? o.credential.pid}
        <div className="muted">{shortId(o.credential.id)}</div>
      </td>
      <td>
        {name(o.update.fromPid)} → <strong>{name(o.update.toPid)}</strong>
        <div className="muted">{t(`delivery.${o.update.toDeliveryMode}`)}</div>
      </td>
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
        {open && waiting.length === 0 ? (
          <p className="muted">{t('approvals.none')}</p>
        ) : (
          <table data-testid="approvals-table">
            {head}
            <tbody>
              {waiting.map((o) => (
                <tr key={o.update.id} data-testid="approval-row">
                  {cells(o)}
                  <td className="row">
                    <button
                      className="small primary"
                      onClick={() => void act(() => client.call('approveUpdate', { id: o.update.id }), 'approvals.approved')}
                      data-testid="approve"
                    >
                      {t('approvals.approve')}
                    </button>
                    <button className="small stop" onClick={() => setRejecting(o)} data-testid="reject">
                      {t('approvals.reject')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="panel" aria-labelledby="payments-title">
        <h2 id="payments-title">{t('approvals.paymentsTitle')}</h2>
        {open && paying.length === 0 ? (
          <p className="muted">{t('approvals.noPayments')}</p>
        ) : (
          <table data-testid="payments-table">
            {head}
            <tbody>
              {paying.map((o) => (
                <tr key={o.update.id} data-testid="payment-row">
                  {cells(o)}
                  <td className="row">
                    <label className="inline">
                      <span className="sr-only">{t('approvals.reference')}</span>
                      <input
                        value={refs[o.update.id] ?? ''}
                        placeholder={t('approvals.reference')}
                        onChange={(e) => setRefs({ ...refs, [o.update.id]: e.target.value })}
                        data-testid="payment-ref"
                      />
                    </label>
                    <button
                      className="small primary"
                      disabled={!refs[o.update.id]?.trim()}
                      onClick={() =>
                        void act(
                          () => client.call('payUpdate', { id: o.update.id, body: { paymentReference: refs[o.update.id]!.trim() } }),
                          'approvals.paid',
                        )
                      }
                      data-testid="pay"
                    >
                      {t('approvals.record')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {rejecting ? (
        <RejectDialog
          open={rejecting}
          name={name}
          onClose={() => setRejecting(null)}
          onDone={() => {
            setRejecting(null);
            void load();
          }}
        />
      ) : null}
    </>
  );
}

/** Reject a product change: the reason is required (the hub refuses a blank one too) and shown to whoever asked. */
function RejectDialog({
  open,
  name,
  onClose,
  onDone,
}: {
  open: Open;
  name: (pid: string) => string;
  onClose: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const client = useHub();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ErrorInfo | null>(null);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    try {
      await client.call('rejectUpdate', { id: open.update.id, body: { reason: reason.trim() } });
      say({ kind: 'success', key: 'approvals.rejected' });
      onDone();
    } catch (err) {
      setError(infoOf(err));
    }
  };
  return (
    <Dialog title={t('approvals.rejectTitle')} onClose={onClose} testId="reject-dialog">
      <form onSubmit={(e) => void submit(e)} className="stack">
        <p>
          <strong>{open.credential.name ?? open.credential.customerName ?? open.credential.pid}</strong> · {name(open.update.fromPid)} →{' '}
          {name(open.update.toPid)}
        </p>
        <p className="muted">{t('approvals.rejectText')}</p>
        <label className="field">
          {t('approvals.reason')}
          <textarea
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder={t('approvals.reasonHint')}
            required
            maxLength={500}
            rows={3}
            data-testid="reject-reason"
          />
        </label>
        <ErrorLine error={error} />
        <button className="primary stop" type="submit" disabled={reason.trim() === ''} data-testid="reject-submit">
          {t('approvals.rejectSubmit')}
        </button>
      </form>
    </Dialog>
  );
}

function CustomerConfirmations() {
  const { t } = useTranslation();
  const client = useHub();
  const language = useStore((s) => s.language);
  const [rows, setRows] = useState<Credential[] | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const load = useCallback(async (): Promise<void> => {
    try {
      setRows((await client.call('listCredentials', { query: { owner: 'customer' } })).credentials.filter((c) => !c.confirmed));
    } catch (e) {
      setError(infoOf(e));
    }
  }, [client]);
  useEffect(() => {
    void load();
  }, [load]);
  const confirm = (c: Credential): Promise<void> =>
    actThenReload(() => client.call('confirmCredential', { id: c.id }), 'approvals.confirmed', load, setError);
  return (
    <section className="panel" aria-labelledby="confirm-title">
      <h1 id="confirm-title">{t('approvals.confirmTitle')}</h1>
      <ErrorLine error={error} />
      {rows && rows.length === 0 ? (
        <p className="muted">{t('approvals.noConfirm')}</p>
      ) : (
        <table data-testid="confirm-table">
          <thead>
            <tr>
              <th scope="col">{t('credentials.col.name')}</th>
              <th scope="col">{t('credentials.col.product')}</th>
              <th scope="col" className="num">
                {t('credentials.col.total')}
              </th>
              <th scope="col">{t('credentials.col.delivery')}</th>
              <th scope="col">{t('credentials.col.created')}</th>
              <th scope="col">{t('credentials.col.operation')}</th>
            </tr>
          </thead>
          <tbody>
            {rows?.map((c) => (
              <tr key={c.id} data-testid="confirm-row">
                <td>{c.customerName ?? shortId(c.id)}</td>
                <td>{c.pid}</td>
                <td className="num">{c.purchased + c.free}</td>
                <td>{t(`delivery.${c.deliveryMode}`)}</td>
                <td>{dateTime(c.createdAt, language)}</td>
                <td>
                  <button className="small primary" onClick={() => void confirm(c)} data-testid="confirm">
                    {t('action.confirm')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

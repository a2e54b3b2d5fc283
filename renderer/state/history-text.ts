import type { HistoryEntry, OfflineOutcome, PriceCurrency } from '../../common/api/schemas';

/** common's PRICE_CURRENCY; the type makes a change there fail to compile here (the renderer imports only types from common/). */
const priceCurrency: PriceCurrency = 'USD';

type T = (key: string, options?: Record<string, unknown>) => string;

/** An amount in cents as money of the hub's currency, in the screen's language ("US$7.20", "US$7.20" in zh-CN). */
export function money(language: string, cents: number): string {
  return new Intl.NumberFormat(language, { style: 'currency', currency: priceCurrency, currencyDisplay: 'symbol' }).format(cents / 100);
}

/** A hub refusal in the screen's language: the code's translation, else the hub's words. */
function refusal(t: T, exists: (key: string) => boolean, language: string, code: string | null, reason: string | null): string {
  if (language !== 'en' && code !== null && exists(`errors.${code}`)) return t(`errors.${code}`);
  return reason ?? '';
}

/** A history entry as one sentence in the screen's language: product names, money with its currency, no ids. */
export function historyText(t: T, exists: (key: string) => boolean, language: string, h: HistoryEntry): string {
  const f = h.facts;
  const vars = {
    count: f.licenses ?? 0,
    purchased: f.purchased ?? 0,
    free: f.free ?? 0,
    product: f.product ?? t('history.unknownProduct'),
    from: f.fromProduct ?? t('history.unknownProduct'),
    to: f.toProduct ?? t('history.unknownProduct'),
    amount: money(language, Math.abs(f.amountCents ?? 0)),
    party: t(`history.party.${f.party ?? 'hub'}`),
    kinds: (f.kinds ?? []).map((k) => t(`history.kinds.${k}`)).join(t('history.and')),
    mode: f.deliveryMode ? t(`mode.${f.deliveryMode}`) : '',
    // the platform's reason for a rejected change, as it was typed
    reason: f.reason ?? '',
  };
  let key: string = h.event;
  if (h.event === 'assigned') key = f.party === 'other_station' ? 'assigned_away' : 'assigned';
  if (h.event === 'update_approved' && (f.amountCents ?? 0) === 0) key = 'update_approved_free';
  if (h.event === 'update_requested' && (f.amountCents ?? 0) === 0) key = 'update_requested_free';
  const text = t(`history.event.${key}`, vars);
  if (f.status === null || f.status === 'applied') return text;
  return `${text} · ${f.status === 'pending' ? t('history.pending') : t('history.rejected', { reason: refusal(t, exists, language, f.code, f.reason) })}`;
}

/**
 * An offline operation's row: what it was, the hub's reason, what the station
 * did. English keeps the station's own sentences (they name slots and lines);
 * another language says them from the operation's kind, counts and code.
 */
export function outcomeText(
  t: T,
  exists: (key: string) => boolean,
  language: string,
  o: OfflineOutcome,
  groupName: string | null,
): { what: string; reason: string; local: string } {
  if (language === 'en') return { what: o.summary, reason: o.reason ?? '', local: o.localAction ?? '' };
  const group = groupName ?? t('supervisor.outcomes.thisGroup');
  const what = t(`supervisor.outcomes.what.${o.kind}`, { count: o.licenses ?? 0, group });
  const reason = o.status === 'rejected' ? refusal(t, exists, language, o.code, o.reason) : '';
  const local =
    o.localAction === null ? '' : t(`supervisor.outcomes.local.${o.status === 'applied' ? 'moved' : o.kind}`, { count: o.licenses ?? 0 });
  return { what, reason, local };
}

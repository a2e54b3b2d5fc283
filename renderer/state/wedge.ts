/**
 * Tells a barcode scanner (a keyboard that types very fast and ends with
 * Enter) from a person pressing keys. Pure: feed it each key with its time.
 */
export interface WedgeState {
  buffer: string;
  lastAt: number;
}

export type WedgeOutput = { kind: 'scan'; serial: string } | { kind: 'key'; key: string } | { kind: 'none' };

export const wedgeInitial: WedgeState = { buffer: '', lastAt: 0 };

/** Scanners send a character every few ms; people need well over 30. */
export const WEDGE_GAP_MS = 35;
export const WEDGE_MIN_LENGTH = 4;

/**
 * A printable key starts or continues a burst; Enter ending a burst of at least
 * WEDGE_MIN_LENGTH fast characters is a scan. A slow key is a shortcut; the
 * characters of a burst are held back until we know (a shortcut fires when the
 * burst turns out to be one key).
 */
export function feedWedge(state: WedgeState, key: string, at: number): { state: WedgeState; out: WedgeOutput[] } {
  const fast = state.buffer.length > 0 && at - state.lastAt <= WEDGE_GAP_MS;
  if (key === 'Enter') {
    if (fast && state.buffer.length >= WEDGE_MIN_LENGTH) return { state: wedgeInitial, out: [{ kind: 'scan', serial: state.buffer }] };
    const out = flush(state, fast);
    return { state: wedgeInitial, out: [...out, { kind: 'key', key: 'Enter' }] };
  }
  if (key.length !== 1) {
    return { state: wedgeInitial, out: [...flush(state, fast), { kind: 'key', key }] };
  }
  if (fast) return { state: { buffer: state.buffer + key, lastAt: at }, out: [] };
  // a slow key: what was held back was a single key press, not a scan
  return { state: { buffer: key, lastAt: at }, out: flush(state, false) };
}

/** Called when no key came for a while: a lone held-back character becomes a shortcut. */
export function settleWedge(state: WedgeState, now: number): { state: WedgeState; out: WedgeOutput[] } {
  if (state.buffer.length === 0 || now - state.lastAt <= WEDGE_GAP_MS) return { state, out: [] };
  return { state: wedgeInitial, out: flush(state, false) };
}

function flush(state: WedgeState, _fast: boolean): WedgeOutput[] {
  // a burst that did not end in Enter was not a scan either; only a single character is a shortcut
  return state.buffer.length === 1 ? [{ kind: 'key', key: state.buffer }] : [];
}

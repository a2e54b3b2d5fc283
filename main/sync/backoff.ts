export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `failures` (1, 2, ...): doubling from `baseMs`, capped at
 * `maxMs`, with "equal jitter" (half fixed, half random) so a hall of stations that
 * lost the hub together do not all knock at the same instant when it returns.
 */
export function backoffDelay(failures: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  return Math.round(exp / 2 + (exp / 2) * random());
}

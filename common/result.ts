import { type ErrorInfo, toErrorInfo } from './errors';

/** How every call across a process boundary ends (STYLE.md). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (error: ErrorInfo): Result<never> => ({ ok: false, error });

export async function settle<T>(fn: () => Promise<T> | T): Promise<Result<T>> {
  try {
    return ok(await fn());
  } catch (e) {
    return fail(toErrorInfo(e));
  }
}

import type { ErrorInfo } from '../../common/errors';
import { HubError } from '../api';

/** Any thrown value as the `{ code, message }` a screen shows. */
export const infoOf = (e: unknown): ErrorInfo =>
  e instanceof HubError ? e.toInfo() : { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };

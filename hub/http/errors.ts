import { AppError } from '../../common/errors';
import type { z } from 'zod';

/** HTTP status for each stable error code; business refusals not listed here are 409 Conflict. */
const statusByCode: Record<string, number> = {
  INVALID_REQUEST: 400,
  UNKNOWN_FIELD: 400,
  OUT_OF_RANGE: 400,
  BAD_JSON: 400,
  CUSTOMER_NAME_REQUIRED: 400,
  DUPLICATE_LICENSE: 400,
  LICENSE_LIST_INVALID: 400,
  CURSOR_UNKNOWN: 400,
  ASSIGNMENT_INCONSISTENT: 400,
  BAD_BASE64: 400,
  DOWNLOAD_CONTACT_INVALID: 400,
  CONTACT_EMAIL_INVALID: 400,
  CONTACT_PHONE_INVALID: 400,
  PASSWORD_WEAK: 400,
  PASSWORD_UNCHANGED: 400,
  TOTP_WRONG: 400,
  REJECT_REASON_REQUIRED: 400,
  UNAUTHORIZED: 401,
  SIGN_IN_FAILED: 401,
  SECOND_FACTOR_REQUIRED: 401,
  FORBIDDEN: 403,
  CSRF_INVALID: 403,
  SESSION_REQUIRED: 403,
  PASSWORD_CHANGE_REQUIRED: 403,
  TOTP_SETUP_REQUIRED: 403,
  PASSWORD_WRONG: 403,
  NOT_YOUR_GROUP: 403,
  ENROLLMENT_CODE_INVALID: 403,
  ENROLLMENT_CODE_USED: 403,
  ENROLLMENT_CODE_EXPIRED: 403,
  DOWNLOAD_CODE_INVALID: 403,
  DOWNLOAD_CODE_USED: 403,
  DOWNLOAD_CODE_EXPIRED: 403,
  DOWNLOAD_CODE_LOCKED: 403,
  DOWNLOAD_CODE_WRONG: 403,
  CONTACT_CODE_INVALID: 403,
  CONTACT_CODE_USED: 403,
  CONTACT_CODE_EXPIRED: 403,
  CONTACT_CODE_LOCKED: 403,
  CONTACT_CODE_WRONG: 403,
  CONTACT_NOT_YOURS: 403,
  ROUTE_NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  DOWNLOAD_CODE_RATE_LIMITED: 429,
  CONTACT_CODE_RATE_LIMITED: 429,
  SIGN_IN_LOCKED: 429,
  INTERNAL: 500,
  STORE_UNAVAILABLE: 503,
};

export function statusFor(code: string): number {
  return statusByCode[code] ?? (code.endsWith('_NOT_FOUND') ? 404 : 409);
}

/** A zod failure as one AppError: UNKNOWN_FIELD, OUT_OF_RANGE, or INVALID_REQUEST, with every issue in `details`. */
export function validationError(part: string, error: z.ZodError): AppError {
  const issues = error.issues.map((i) => ({
    path: [part, ...i.path.map(String)].join('.'),
    code: i.code,
    message: i.message,
    ...('keys' in i ? { keys: i.keys } : {}),
  }));
  const first = error.issues[0];
  const where = (i: (typeof error.issues)[number]): string => [part, ...i.path.map(String)].join('.');
  if (error.issues.some((i) => i.code === 'unrecognized_keys')) {
    const u = error.issues.find((i) => i.code === 'unrecognized_keys');
    const keys = u && 'keys' in u ? u.keys.join(', ') : '';
    return new AppError('UNKNOWN_FIELD', `Unknown field(s) in ${u ? where(u) : part}: ${keys}. Remove them.`, { issues });
  }
  if (first && (first.code === 'too_big' || first.code === 'too_small')) {
    return new AppError('OUT_OF_RANGE', `${where(first)}: ${first.message}`, { issues });
  }
  return new AppError('INVALID_REQUEST', first ? `${where(first)}: ${first.message}` : `invalid ${part}`, { issues });
}

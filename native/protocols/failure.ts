import { AppError, isAppError } from '../../common/errors';
import { burnFailureCodes, type BurnFailureCode, type ProtocolMessages } from './types';

/** Failure classification both drivers share: a driver names only what it recognises. */

export const isBurnFailureCode = (code: string): code is BurnFailureCode => (burnFailureCodes as readonly string[]).includes(code);

/** A code a burn may end with: one every driver uses, or one of the protocol's own (its descriptor's `messages`). */
export const isOutcomeCode = (code: string, messages: ProtocolMessages): boolean =>
  isBurnFailureCode(code) || Object.hasOwn(messages, code);

/** A transport failure that means the port or the module went away (the transport's own typed errors). */
export const isLostPort = (e: unknown): e is AppError => isAppError(e, 'DISCONNECTED') || (isAppError(e) && e.code.startsWith('PORT_'));

/**
 * Anything a driver does not recognise (a bug, an unexpected exception): its
 * own code and a request for a supervisor, never taken for an unplug. The
 * original message stays in the text and the details, for the logs.
 */
export function driverInternal(e: unknown, path: string): AppError {
  const message = e instanceof Error ? e.message : String(e);
  const code = isAppError(e) ? e.code : e instanceof Error ? e.name : typeof e;
  return new AppError(
    'DRIVER_INTERNAL',
    `The station hit an internal error while burning on ${path} (${message}). Call a supervisor.`,
    { cause: code },
    { cause: e },
  );
}

import type { Logger } from '../../common/log';

/** Sends a one-time code to a phone or a mailbox. Production plugs in an SMS/email gateway. */
export interface CodeSender {
  send(message: { channel: 'email' | 'sms'; destination: string; code: string; purpose: string }): Promise<void>;
}

/** Development sender: writes the code to the log (the only secret that is ever logged, on purpose). */
export const logCodeSender = (logger: Logger): CodeSender => ({
  send({ channel, destination, code, purpose }) {
    logger.info({ channel, destination, oneTimeCode: code, purpose }, `development code sender: ${purpose} code for ${destination} is ${code}`);
    return Promise.resolve();
  },
});

/** Shows where a code went without revealing the whole address. */
export function maskDestination(destination: string): string {
  const at = destination.indexOf('@');
  if (at > 0) return `${destination.slice(0, 1)}***${destination.slice(at)}`;
  return destination.length <= 4 ? '****' : `***${destination.slice(-4)}`;
}

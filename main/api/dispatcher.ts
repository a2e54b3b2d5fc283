import type { z } from 'zod';
import { AppError, toErrorInfo } from '../../common/errors';
import { type Result, fail, ok } from '../../common/result';
import { apiEvents, specOf, type ApiEventName } from '../../common/api/contract';
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import type { CallContext, StationServices } from './services';
import type { SupervisorSessions } from './supervisor-session';
import type { SupervisorRef } from '../../common/api/schemas';

/** Plain words for a zod failure: the first problem, with the field it is about. */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'The request is not valid.';
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  const more =
    error.issues.length > 1 ? ` (and ${error.issues.length - 1} more ${error.issues.length === 2 ? 'problem' : 'problems'})` : '';
  return `The request was refused: ${where}${issue.message}${more}.`;
}

export interface Dispatcher {
  dispatch(channel: unknown, payload: unknown, ctx: CallContext): Promise<Result<unknown>>;
  /** Every event leaves through here, parsed with its schema (so nothing the contract does not name gets out). */
  subscribe(listener: (event: ApiEventName, payload: unknown) => void): () => void;
}

/**
 * The one entry for every call from the renderer (IPC or WebSocket): look up
 * the channel, validate the payload with its zod schema, check the supervisor
 * session, call one service function, parse its output, return a Result.
 */
/** A supervisor's call that changed or sent something, with who made it and how it ended (`ok` or the error code). */
export interface SupervisorAction {
  channel: string;
  supervisor: SupervisorRef;
  outcome: string;
}

export function createDispatcher(
  services: StationServices,
  sessions: SupervisorSessions,
  log: Logger = silentLogger,
  onSupervisorAction?: (a: SupervisorAction) => void,
): Dispatcher {
  const handlers: Record<string, (input: unknown, ctx: CallContext) => unknown> = {
    'supervisor.login': (input, ctx) => {
      const { pin, supervisorId } = input as { pin: string; supervisorId?: string };
      return sessions.login(ctx.sessionKey, pin, supervisorId);
    },
    'supervisor.logout': (_input, ctx) => sessions.logout(ctx.sessionKey),
    'supervisor.session': (_input, ctx) => sessions.status(ctx.sessionKey),
    'supervisor.supervisors': () => sessions.list(),
  };
  const record = (channel: string, supervisor: SupervisorRef | null, outcome: string): void => {
    if (supervisor === null || onSupervisorAction === undefined) return;
    try {
      onSupervisorAction({ channel, supervisor, outcome });
    } catch (e) {
      log.error({ channel, err: toErrorInfo(e).message }, 'supervisor action not recorded');
    }
  };

  const serviceFor = (channel: string): ((input: unknown, ctx: CallContext) => unknown) | undefined => {
    const own = handlers[channel];
    if (own !== undefined) return own;
    const [group, method] = channel.split('.') as [string, string];
    const groupServices = (
      services as unknown as Record<string, Record<string, (input: unknown, ctx: CallContext) => unknown> | undefined>
    )[group];
    const fn = groupServices?.[method];
    return typeof fn === 'function' ? fn.bind(groupServices) : undefined;
  };

  return {
    async dispatch(channel, payload, ctx) {
      if (typeof channel !== 'string') return fail({ code: 'BAD_REQUEST', message: 'The request was refused: it names no call.' });
      const spec = specOf(channel);
      if (spec === undefined)
        return fail({ code: 'BAD_REQUEST', message: `The request was refused: there is no call named "${channel.slice(0, 64)}".` });
      const parsed = spec.input.safeParse(payload);
      if (!parsed.success) return fail({ code: 'BAD_REQUEST', message: describeIssues(parsed.error) });
      let supervisor: SupervisorRef | null = null;
      try {
        if (spec.access === 'supervisor') supervisor = sessions.require(ctx.sessionKey);
        const fn = serviceFor(channel);
        if (fn === undefined)
          throw new AppError('NOT_AVAILABLE', 'This station cannot do that yet: the service behind it is not installed.');
        const value = await fn(parsed.data, ctx);
        if (spec.action) record(channel, supervisor, 'ok');
        const out = spec.output.safeParse(value);
        if (!out.success) {
          log.error({ channel, problem: describeIssues(out.error) }, 'service returned a value outside the contract');
          return fail({
            code: 'INTERNAL',
            message: 'The station gave an answer the screen cannot show. The problem was logged; tell the maintainer.',
          });
        }
        return ok(out.data);
      } catch (e) {
        const info = toErrorInfo(e);
        if (spec.action) record(channel, supervisor, info.code);
        if (info.code === 'INTERNAL') log.error({ channel, err: info.message }, 'call failed');
        // details stay in main: they may name internals; code + message are what the screen needs
        return fail({ code: info.code, message: info.message });
      }
    },

    subscribe(listener) {
      return services.events.subscribe((event, payload) => {
        const out = apiEvents[event].safeParse(payload);
        if (!out.success) {
          log.error({ event, problem: describeIssues(out.error) }, 'service emitted an event outside the contract');
          return;
        }
        listener(event, out.data);
      });
    },
  };
}

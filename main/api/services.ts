import type { z } from 'zod';
import type { ApiContract, ApiEventName, ApiEvents } from '../../common/api/contract';

/** Who is calling: one key per window (Electron) or per WebSocket connection (browser host). */
export interface CallContext {
  sessionKey: string;
}

type ServiceFn<S> = S extends { input: infer I extends z.ZodType; output: infer O extends z.ZodType }
  ? (input: z.output<I>, ctx: CallContext) => Promise<z.input<O>> | z.input<O>
  : never;

type GroupServices<G extends keyof ApiContract, Omitted extends string = never> = {
  [M in Exclude<keyof ApiContract[G], Omitted>]: ServiceFn<ApiContract[G][M]>;
};

/**
 * What the station's services must provide for the UI. Each call gets its
 * input already validated by the dispatcher and may throw AppError (its code
 * and message reach the screen). Outputs are parsed with the contract's output
 * schema before they leave, which strips any field the contract does not name.
 *
 * Who implements what:
 * - setup:      main/settings + main/vault (first run, unlock) + main/sync (enroll)
 * - station:    main/station (slots, orchestrator) over main/ledger
 * - supervisor: main/ledger (suspects, audit), common/import + main/vault (import), main/sync (hub operations, offline split/reassign)
 *               login/logout/session/supervisors are answered by main/api/supervisor-session, not by services.
 * - sync:       main/sync
 * - reports:    main/ledger
 */
export interface StationServices {
  setup: GroupServices<'setup'>;
  station: GroupServices<'station'>;
  supervisor: GroupServices<'supervisor', 'login' | 'logout' | 'session' | 'supervisors'>;
  sync: GroupServices<'sync'>;
  reports: GroupServices<'reports'>;
  /** Live events for the page (slot states, counts, sync status, job progress). */
  events: EventSource;
}

export type EventPayloadIn<E extends ApiEventName> = z.input<ApiEvents[E]>;
export type EventListener = <E extends ApiEventName>(event: E, payload: EventPayloadIn<E>) => void;

export interface EventSource {
  subscribe(listener: EventListener): () => void;
}

/** A small typed event hub the services emit into. */
export class EventHub implements EventSource {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends ApiEventName>(event: E, payload: EventPayloadIn<E>): void {
    for (const listener of this.listeners) listener(event, payload);
  }
}

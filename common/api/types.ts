import type { z } from 'zod';
import type { Result } from '../result';
import type { ApiContract, ApiEvents, ApiGroup } from './contract';

type Spec = ApiContract[ApiGroup][keyof ApiContract[ApiGroup]];
export type InputOf<S> = S extends { input: infer I extends z.ZodType } ? z.input<I> : never;
export type OutputOf<S> = S extends { output: infer O extends z.ZodType } ? z.output<O> : never;

/** Calls that take only an optional empty object may be called with no argument. */
type CallFn<S> =
  undefined extends InputOf<S> ? (input?: InputOf<S>) => Promise<Result<OutputOf<S>>> : (input: InputOf<S>) => Promise<Result<OutputOf<S>>>;

export type Unsubscribe = () => void;
export type EventPayload<E extends keyof ApiEvents> = z.output<ApiEvents[E]>;

/**
 * The one API the renderer sees: `window.api` in Electron (preload/) and the
 * WebSocket client in a browser (renderer/api-client) both have this type.
 */
export type StationApi = { [G in ApiGroup]: { [M in keyof ApiContract[G]]: CallFn<ApiContract[G][M]> } } & {
  [E in keyof ApiEvents]: (listener: (payload: EventPayload<E>) => void) => Unsubscribe;
};

export type { Spec as AnyCallSpec };

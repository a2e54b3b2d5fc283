/** The one clock. Tests pass a fake one; everything else uses `systemClock`. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export const isoTime = (clock: Clock = systemClock): string => new Date(clock.now()).toISOString();

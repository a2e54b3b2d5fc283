import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import { createDispatcher, type Dispatcher } from './dispatcher';
import type { StationServices } from './services';
import { SupervisorSessions, memoryPinStore, type PinStore, type SupervisorSessionOptions } from './supervisor-session';
import { DemoStation, type DemoStationOptions } from './demo-station';

/** What both hosts (Electron IPC and the browser WebSocket) need: one dispatcher over one set of services. */
export interface StationApp {
  dispatcher: Dispatcher;
  sessions: SupervisorSessions;
  services: StationServices;
  close(): void;
}

export function createStationApp(options: { services: StationServices; sessions: SupervisorSessions; log?: Logger; close?: () => void }): StationApp {
  return {
    dispatcher: createDispatcher(options.services, options.sessions, options.log ?? silentLogger),
    sessions: options.sessions,
    services: options.services,
    close: options.close ?? (() => undefined),
  };
}

/**
 * The station on the in-memory stand-in services (demo, UI tests). When
 * main/station, main/ledger and main/sync land, a `createRealStationApp`
 * composes them here instead, group by group.
 */
export function createDemoStationApp(options: Omit<DemoStationOptions, 'sessions'> & { pinStore?: PinStore; session?: SupervisorSessionOptions; log?: Logger }): StationApp & { demo: DemoStation } {
  const sessions = new SupervisorSessions(options.pinStore ?? memoryPinStore(), { ...options.session, ...(options.clock ? { clock: options.clock } : {}) });
  const demo = new DemoStation({ ...options, sessions });
  const app = createStationApp({ services: demo.services, sessions, ...(options.log ? { log: options.log } : {}), close: () => demo.stopAll() });
  return { ...app, demo };
}

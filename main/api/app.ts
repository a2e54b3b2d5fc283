import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import { createDispatcher, type Dispatcher, type SupervisorAction } from './dispatcher';
import type { StationServices } from './services';
import type { SupervisorSessions } from './supervisor-session';

/** What both hosts (Electron IPC and the browser WebSocket) need: one dispatcher over one set of services. */
export interface StationApp {
  dispatcher: Dispatcher;
  sessions: SupervisorSessions;
  services: StationServices;
  /** Stops the slots (a burn under way is finished and recorded), the sync loop, and closes the vault. */
  close(): Promise<void>;
}

export function createStationApp(options: {
  services: StationServices;
  sessions: SupervisorSessions;
  log?: Logger;
  close?: () => Promise<void>;
  onSupervisorAction?: (a: SupervisorAction) => void;
}): StationApp {
  return {
    dispatcher: createDispatcher(options.services, options.sessions, options.log ?? silentLogger, options.onSupervisorAction),
    sessions: options.sessions,
    services: options.services,
    close: options.close ?? (() => Promise.resolve()),
  };
}

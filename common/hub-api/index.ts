/** The hub HTTP API contract (see routes.ts for the route table, sync.ts for the station payloads). */
export * from './schemas';
export * from './accounts';
export * from './sync';
export * from './reconcile';
export * from './routes';

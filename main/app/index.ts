import { createStationApp, type StationApp } from '../api/app';
import { StationRuntime, type StationServicesOptions } from './station-services';

export { StationRuntime, type StationServicesOptions, type DemoHubAccess } from './station-services';
export { discoverSlotLayout, probeProtocol, type SlotPlace } from './slot-layout';

/** The real services behind the UI contract, started (the vault opened when the OS keychain holds its key). */
export async function createStationServices(options: StationServicesOptions): Promise<StationRuntime> {
  const runtime = new StationRuntime(options);
  await runtime.start();
  return runtime;
}

/**
 * The station as both hosts run it: the real services (vault, ledger, slots,
 * sync, settings) behind one dispatcher. Opens the vault at once when the OS
 * keychain holds its key; otherwise the first run or the unlock screen comes first.
 */
export async function openStationApp(options: StationServicesOptions): Promise<StationApp & { runtime: StationRuntime }> {
  const runtime = await createStationServices(options);
  const app = createStationApp({
    services: runtime.services,
    sessions: runtime.sessions,
    ...(options.logger ? { log: options.logger } : {}),
    close: () => runtime.close(),
    onSupervisorAction: (a) => runtime.recordSupervisorAction(a),
  });
  return { ...app, runtime };
}

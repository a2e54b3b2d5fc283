import { toErrorInfo } from '../../../common/errors';
import type { Clock } from '../../../common/clock';
import type { Logger } from '../../../common/log';
import type { SettingsStore } from '../../settings';
import type { CallContext, EventHub, StationServices } from '../../api/services';
import type { SupervisorSessions } from '../../api/supervisor-session';
import type { ExportFolder, OneTimeCodes } from '../exports-codes';
import type { GroupBoard } from '../group-board';
import type { HubJobs } from '../hub-jobs';
import type { HubSupervisor } from '../hub-supervisor';
import type { FloorPeople } from '../people';
import type { SlotBoard } from '../slot-board';
import type { VaultSetup } from '../vault-setup';

/** The station's parts the services answer with (StationRuntime builds them once). */
export interface StationParts {
  events: EventHub;
  settings: SettingsStore;
  sessions: SupervisorSessions;
  people: FloorPeople;
  setup: VaultSetup;
  board: SlotBoard;
  groups: GroupBoard;
  hub: HubSupervisor;
  jobs: HubJobs;
  codes: OneTimeCodes;
  files: ExportFolder;
  clock: Clock;
  log: Logger;
}

/** The supervisor calls of the contract, answered by the supervisor-*.ts modules (each a part of them). */
export type SupervisorServices = StationServices['supervisor'];

/** The supervisor of this call, by name (the hub's audit names them). */
export function supervisorName(rt: StationParts, ctx: CallContext): string | null {
  return rt.sessions.who(ctx.sessionKey)?.name ?? null;
}

/** The hub on behalf of the supervisor of this call (named in x-station-supervisor). */
export function hubFor(rt: StationParts, ctx: CallContext): HubSupervisor {
  return rt.hub.as(supervisorName(rt, ctx));
}

/** A product's name by its pid, from the hub's products (the pid itself for one the hub does not list). */
export async function productName(rt: StationParts): Promise<(pid: string) => string> {
  const { products } = await rt.hub.products();
  return (pid) => products.find((p) => p.pid === pid)?.name ?? pid;
}

/** Pulls what a hub operation changed (a block, a state); offline, the next sync brings it. */
export async function resync(rt: StationParts): Promise<void> {
  await rt.setup.sync?.syncNow().catch((e: unknown) => rt.log.info({ err: toErrorInfo(e) }, 'sync after a hub operation failed'));
  rt.groups.publish();
}

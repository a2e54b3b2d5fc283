// Shared by the station's integration tests, the chaos test and the slots benchmark.
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassphraseWrapper } from '../../../main/vault';
import { Station, type StationEvent, type SlotSnapshot, type StationOptions } from '../../../main/station';
import { createDriver } from '../../../native/protocols';
import type { ModuleDriver, ProtocolId } from '../../../native/protocols/types';
import type { FleetControl } from '../../../native/sim/fleet';
import type { Transport } from '../../../native/transport/types';
import type { Flash, ModuleSpec } from '../../../native/sim/types';

export const fastScrypt = { N: 2 ** 10, r: 8, p: 1 };
export const testPassphrase = 'station test passphrase';

export interface TestLicense {
  uuid: string;
  authkey: string;
  mac: string;
}

const lower = '0123456789abcdefghijklmnopqrstuvwxyz';
const mixed = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const pick = (alphabet: string, n: number) => [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join('');

/** tuya-auc licenses: 16-character uuids, each with its MAC, all distinct. */
export function stationLicenses(count: number): TestLicense[] {
  const prefix = pick(lower, 6);
  return Array.from({ length: count }, (_, i) => ({
    uuid: prefix + i.toString(36).padStart(10, '0'),
    authkey: pick(mixed, 32),
    mac: (0xd0c0b0000000 + i).toString(16).toUpperCase(),
  }));
}

export function licensesCsv(licenses: readonly TestLicense[]): Buffer {
  return Buffer.from(['uuid,authkey,mac', ...licenses.map((l) => `${l.uuid},${l.authkey},${l.mac}`)].join('\r\n') + '\r\n', 'utf8');
}

export function tempDir(prefix = 'station-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A new station on a fresh vault holding one group of `count` licenses. */
export async function newTestStation(
  dir: string,
  count: number,
  options: Partial<StationOptions> = {},
): Promise<{ station: Station; groupId: string; licenses: TestLicense[] }> {
  const station = await Station.create({
    vaultPath: join(dir, 'station.vault'),
    wrapper: new PassphraseWrapper(testPassphrase, fastScrypt),
    ...options,
  });
  const licenses = stationLicenses(count);
  const report = await station.importLicenseList(licensesCsv(licenses), 'licenses.csv', { groupName: 'Line 1 plugs' });
  if (!report.ok) throw new Error(`fixture import refused: ${JSON.stringify(report.errors.slice(0, 3))}`);
  return { station, groupId: report.groupId, licenses };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(
  probe: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false && v !== null) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * The looks each slot takes at its jig (every presence check), so that a test
 * asserting "nothing happened" waits until the slot has looked at the module
 * and decided, rather than sleeping. Give the station `makeDriver`.
 */
export class JigWatch {
  /** Per port: one entry per presence check begun, true or false once it is answered or not. */
  readonly #looks = new Map<string, (boolean | null)[]>();
  readonly #changed = new Set<() => void>();

  readonly makeDriver = (protocol: ProtocolId, transport: Transport): ModuleDriver => {
    const driver = createDriver(protocol, transport);
    const detect = driver.detect.bind(driver);
    driver.detect = async (options) => {
      const looks = this.#looks.get(transport.path) ?? [];
      this.#looks.set(transport.path, looks);
      const i = looks.push(null) - 1;
      this.#notify();
      const answered = await detect(options);
      looks[i] = answered;
      return answered;
    };
    return driver;
  };

  #notify(): void {
    for (const listener of [...this.#changed]) listener();
  }

  /**
   * Resolves once the slot on `port` has decided on looks (begun after this
   * call) that satisfy `enough`: a look counts once the slot began the next
   * one, so its verdict (burn or wait) is taken. Fails after `timeoutMs`.
   */
  until(port: string, enough: (decided: boolean[]) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const from = this.#looks.get(port)?.length ?? 0;
    return new Promise((resolve, reject) => {
      const check = () => {
        const decided = (this.#looks.get(port) ?? []).slice(from, -1) as boolean[];
        if (!enough(decided)) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what} (looks at ${port} since: ${JSON.stringify((this.#looks.get(port) ?? []).slice(from))})`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#changed.delete(check);
      };
      this.#changed.add(check);
    });
  }
}

/** `n` looks answered by a module. */
export const answeredLooks =
  (n: number) =>
  (decided: boolean[]): boolean =>
    decided.filter(Boolean).length >= n;
/** A look left unanswered (the jig silent), then `n` answered ones. */
export const answeredAfterSilence =
  (n: number) =>
  (decided: boolean[]): boolean => {
    const silent = decided.indexOf(false);
    return silent >= 0 && answeredLooks(n)(decided.slice(silent + 1));
  };

/**
 * Takes the module out of a jig and puts another in, as an operator does:
 * the jig stays silent for `emptyMs` (nothing answers), then the new module
 * is there. The fleet's own swap is instant; the silence is what a real jig shows.
 */
export async function replaceModule(fleet: FleetControl, index: number, spec: Partial<ModuleSpec> = {}, emptyMs = 0): Promise<void> {
  if (emptyMs > 0) {
    await fleet.setFaults(index, { noAnswer: 'any' });
    await sleep(emptyMs);
  }
  await fleet.swap(index, spec);
}

/**
 * The operator at the jigs: when a slot shows `done`, takes the burned module
 * out `swapMs` later (keeping its flash for the final checks) and puts a
 * blank one in. Slots are mapped to fleet ports by their port path.
 */
export class Operator {
  readonly burnedModules: { slotId: string; flash: Flash }[] = [];
  readonly #pending = new Set<Promise<void>>();
  readonly #handled = new Map<string, string>();
  #stopped = false;

  constructor(
    private readonly fleet: FleetControl,
    private readonly portIndex: (slot: SlotSnapshot) => number,
    private readonly swapMs: number,
  ) {}

  readonly onEvent = (e: StationEvent): void => {
    if (e.type !== 'slot' || e.slot.phase !== 'done' || this.#stopped || e.slot.lastResult?.ok !== true) return;
    // A slot republishes its state (done) on other changes too: one swap per burned license.
    if (this.#handled.get(e.slot.slotId) === e.slot.lastResult.uuid) return;
    this.#handled.set(e.slot.slotId, e.slot.lastResult.uuid);
    const index = this.portIndex(e.slot);
    const slotId = e.slot.slotId;
    const work = (async () => {
      await sleep(this.swapMs);
      if (this.#stopped) return;
      const flash = await this.fleet.readFlash(index);
      if (flash) this.burnedModules.push({ slotId, flash });
      await this.fleet.swap(index);
    })().catch(() => undefined);
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  };

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#pending]);
  }
}

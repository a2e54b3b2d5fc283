import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { AppError, isAppError, toErrorInfo } from '../../common/errors';
import {
  MIN_PASSPHRASE_LENGTH,
  PassphraseWrapper,
  restoreVault,
  damagedError,
  defaultAnchorPath,
  diskFullError,
  isDamageError,
  isDiskFullError,
  type ScryptParams,
} from '../vault';
import { ProgrammerWatcher } from '../../native/transport/programmer-watcher';
import { findProgrammerByModel } from '../../native/transport/programmers';
import { SyncEngine } from '../sync';
import { Station, cannotTellMessage, type SlotSnapshot, type StationEvent, type StationOptions } from '../station';
import type { LicenseListError } from '../../common/import';
import type { GroupCounts } from '../ledger';
import { parseStationArgs, stationExitCodes as exit, stationUsage, type StationArgs, type StationCommand } from './station-args';

export interface StationCliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted on the first Ctrl-C / SIGTERM: slots finish the burn under way, then the command ends. */
  stop?: AbortSignal;
  /** Aborted on the second: burns under way are cancelled (released if nothing was sent, else suspect). */
  abandon?: AbortSignal;
  /** Tests and the chaos harness pass transports or timing; the command otherwise uses serial ports. */
  stationOptions?: Partial<StationOptions>;
  /** Where `run --slot programmer=<key>` finds programmers (tests pass a fake sysfs tree); default: this machine's, with USB hotplug. */
  programmerWatch?: ConstructorParameters<typeof ProgrammerWatcher>[0];
  /** scrypt cost for `create` (tests make it cheap); the vault stores it with the wrap. */
  scrypt?: ScryptParams;
}

/** Runs `npm run station -- ...`; resolves with the exit code. Never rejects. */
export async function runStationCommand(argv: readonly string[], io: StationCliIo): Promise<number> {
  let args: StationArgs;
  try {
    args = parseStationArgs(argv);
  } catch (e) {
    io.stderr(`${toErrorInfo(e).message}\n`);
    return exit.usage;
  }
  if (args.cmd.command === 'help') {
    io.stdout(`${stationUsage}\n`);
    return exit.ok;
  }
  const out = (json: object, text: string) => {
    if (args.json) io.stdout(`${JSON.stringify(json)}\n`);
    else if (text !== '') io.stdout(`${text}\n`);
  };
  let station: Station | undefined;
  let watcher: ProgrammerWatcher | undefined;
  try {
    const vaultPath = args.vault ?? io.env.CS_VAULT;
    if (!vaultPath) {
      io.stderr('Say which vault: --vault <file> or the CS_VAULT environment variable.\n');
      return exit.usage;
    }
    const passphrase = await readPassphrase(args, io);
    if (passphrase === null) return exit.usage;
    const wrapper = new PassphraseWrapper(passphrase, io.scrypt);
    const minFreeMb = io.env.CS_MIN_FREE_MB;
    const options: StationOptions = {
      vaultPath,
      wrapper,
      anchorPath: defaultAnchorPath(vaultPath, io.env),
      ...(minFreeMb ? { minFreeBytes: Number(minFreeMb) * 2 ** 20 } : {}),
      ...io.stationOptions,
    };
    if (args.cmd.command === 'create') {
      if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
        io.stderr(`The passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters.\n`);
        return exit.usage;
      }
      station = await Station.create(options);
      out(
        { event: 'created', vault: vaultPath },
        `Created the vault ${vaultPath}. Keep the passphrase safe: without it the licenses cannot be read.`,
      );
      return exit.ok;
    }
    if (args.cmd.command === 'restore') {
      const restored = await restoreVault({ path: vaultPath, from: args.cmd.from, wrapper, anchorPath: options.anchorPath! });
      out(
        { event: 'restored', vault: vaultPath, from: args.cmd.from, ...restored },
        `Restored ${vaultPath} from ${args.cmd.from}: it opens, verifies and holds the newest state this station knew${restored.anchoredSeq === null ? ' (this station knew none)' : ` (entry ${restored.anchoredSeq.toLocaleString('en-US')})`}.${restored.keptAs ? ` The vault it replaced is kept as ${restored.keptAs}.` : ''}`,
      );
      return exit.ok;
    }
    if (args.cmd.command === 'run' && args.cmd.slots.some((s) => s.programmer !== undefined)) {
      watcher = new ProgrammerWatcher(io.programmerWatch ?? {});
      await watcher.start();
      options.programmers = watcher;
    }
    try {
      station = await Station.open(options);
    } catch (e) {
      io.stderr(`${toErrorInfo(e).message}\n`);
      const code = exitCodeFor(e);
      return code === exit.internal || code === exit.failed ? exit.vault : code;
    }
    if (station.vault.damage && args.cmd.command !== 'run' && args.cmd.command !== 'verify')
      out({ event: 'vault-damaged', message: station.vault.damage }, station.vault.damage);
    const rollback = station.vault.rollback;
    // Said before anything else: the counts that follow may show burned licenses as available.
    if (rollback && args.cmd.command !== 'run')
      out(
        {
          event: 'vault-behind',
          vaultSeq: rollback.vaultSeq,
          anchoredSeq: rollback.anchoredSeq,
          diverged: rollback.diverged,
          message: rollback.message,
        },
        rollback.message,
      );
    const { released, suspected } = station.recovery;
    if (released.length + suspected.length > 0) {
      out(
        { event: 'recovery', released, suspected },
        `Recovery after an interrupted run: ${released.length} reserved license(s) went back to their group; ${suspected.length} license(s) may be in a module and are now suspect (see the suspects command).`,
      );
    }
    return await runCommand(station, args.cmd, io, out, watcher);
  } catch (thrown) {
    const e = isDamageError(thrown) ? damagedError(thrown) : isDiskFullError(thrown) ? diskFullError(thrown) : thrown;
    io.stderr(`${toErrorInfo(e).message}\n`);
    return exitCodeFor(e);
  } finally {
    await station?.close({ abandon: true }).catch(() => undefined);
    await watcher?.stop();
  }
}

/** The exit code for an error that ended a command. */
function exitCodeFor(e: unknown): number {
  if (!isAppError(e)) return exit.internal;
  if (
    [
      'BAD_ARGUMENT',
      'GROUP_NOT_FOUND',
      'GROUP_AMBIGUOUS',
      'LICENSE_NOT_FOUND',
      'REASON_REQUIRED',
      'UNKNOWN_PROTOCOL',
      'PORT_IN_USE',
    ].includes(e.code)
  )
    return exit.usage;
  // A port in use is a refusal (close the other program, or stop burning on it); one that cannot be opened is a port problem.
  if (e.code === 'PORT_BUSY') return exit.failed;
  if (/^PORT_/.test(e.code)) return exit.port;
  if (['VAULT_EXISTS', 'VAULT_NOT_FOUND', 'WRONG_PASSPHRASE', 'VAULT_IN_USE'].includes(e.code)) return exit.vault;
  if (e.code === 'VAULT_ROLLED_BACK' || e.code === 'VAULT_DAMAGED' || e.code === 'RESTORE_BEHIND') return exit.damaged;
  if (e.code === 'DISK_FULL') return exit.diskFull;
  if (e.code === 'HUB_UNREACHABLE') return exit.hubUnreachable;
  return e.code === 'INTERNAL' ? exit.internal : exit.failed;
}

async function readPassphrase(args: StationArgs, io: StationCliIo): Promise<string | null> {
  if (args.passphraseFile !== undefined) {
    try {
      return (await readFile(args.passphraseFile, 'utf8')).replace(/\r?\n$/, '');
    } catch (e) {
      io.stderr(`Cannot read the passphrase file ${args.passphraseFile}: ${(e as Error).message}\n`);
      return null;
    }
  }
  const env = io.env.CS_PASSPHRASE;
  if (env !== undefined && env !== '') return env;
  io.stderr('Give the vault passphrase with --passphrase-file <file> or the CS_PASSPHRASE environment variable.\n');
  return null;
}

type Out = (json: object, text: string) => void;

async function runCommand(
  station: Station,
  cmd: Exclude<StationCommand, { command: 'help' | 'create' | 'restore' }>,
  io: StationCliIo,
  out: Out,
  watcher?: ProgrammerWatcher,
): Promise<number> {
  switch (cmd.command) {
    case 'import': {
      let bytes: Buffer;
      try {
        bytes = await readFile(cmd.file);
      } catch (e) {
        io.stderr(`Cannot read ${cmd.file}: ${(e as Error).message}\n`);
        return exit.usage;
      }
      const report = await station.importLicenseList(bytes, basename(cmd.file), {
        ...(cmd.name ? { groupName: cmd.name } : {}),
        ...(cmd.pid ? { pid: cmd.pid } : {}),
      });
      const again = !report.ok && cmd.pid !== undefined ? importedBefore(station, report.errors) : null;
      if (again !== null)
        return setPid(station, again, cmd.pid!, out, `The licenses of ${cmd.file} are already group "${station.group(again).name}". `);
      if (!report.ok) {
        out(
          { event: 'import-refused', file: cmd.file, errors: report.errors },
          [
            `Nothing was imported: ${report.errors.length} problem(s) in ${cmd.file}. Fix them and import the file again.`,
            ...report.errors.map((e) => `  line ${e.line}: ${e.reason}`),
          ].join('\n'),
        );
        return exit.failed;
      }
      const group = station.group(report.groupId);
      out(
        { event: 'imported', groupId: report.groupId, name: group.name, licenses: report.imported },
        `Imported ${report.imported} licenses into group "${group.name}" (id ${report.groupId}).`,
      );
      return exit.ok;
    }
    case 'set-pid':
      return setPid(station, station.findGroup(cmd.group).id, cmd.pid, out, '');
    case 'rejected': {
      const groupId = cmd.group !== undefined ? station.findGroup(cmd.group).id : undefined;
      const rejected = station.listRejected(groupId).map((l) => ({
        uuid: l.uuid,
        groupId: l.groupId,
        slot: l.slot,
        at: new Date(l.updatedAt).toISOString(),
        cause: l.cause,
        reason: l.reason,
      }));
      out(
        { event: 'rejected', rejected },
        rejected.length === 0
          ? 'No rejected licenses.'
          : rejected.map((r) => `${r.uuid}  slot ${r.slot ?? '?'}  ${r.at}  ${r.reason ?? ''}`).join('\n'),
      );
      return exit.ok;
    }
    case 'groups': {
      const groups = station.groups();
      if (groups.length === 0) out({ event: 'groups', groups: [] }, 'No groups yet: import a license list first.');
      else
        out(
          { event: 'groups', groups },
          groups.map((g) => `${g.id}  "${g.name}"  ${countsText(g.counts)}${g.blocked ? `  BLOCKED: ${g.blocked.reason}` : ''}`).join('\n'),
        );
      return exit.ok;
    }
    case 'block': {
      const group = station.findGroup(cmd.group);
      station.blockGroup(group.id, cmd.reason);
      out({ event: 'blocked', groupId: group.id, reason: cmd.reason }, `Group "${group.name}" is blocked: ${cmd.reason}`);
      return exit.ok;
    }
    case 'unblock': {
      const group = station.findGroup(cmd.group);
      station.unblockGroup(group.id);
      out({ event: 'unblocked', groupId: group.id }, `Group "${group.name}" may be burned from again.`);
      return exit.ok;
    }
    case 'suspects': {
      const groupId = cmd.group !== undefined ? station.findGroup(cmd.group).id : undefined;
      const suspects = station.listSuspects(groupId).map((l) => ({
        uuid: l.uuid,
        groupId: l.groupId,
        slot: l.slot,
        since: new Date(l.updatedAt).toISOString(),
        moduleMac: l.moduleMac,
      }));
      out(
        { event: 'suspects', suspects },
        suspects.length === 0
          ? 'No suspect licenses.'
          : suspects.map((s) => `${s.uuid}  slot ${s.slot ?? '?'}  since ${s.since}`).join('\n'),
      );
      return exit.ok;
    }
    case 'resolve': {
      if ('void' in cmd.via) {
        station.voidSuspect(cmd.uuid, cmd.via.reason, { by: 'station-cli' });
        out({ event: 'resolved', uuid: cmd.uuid, state: 'void' }, `License ${cmd.uuid} is void; the hub will be told it is spoiled.`);
        return exit.ok;
      }
      const { state, module } = await station.resolveSuspectByReadBack(cmd.uuid, cmd.via, { by: 'station-cli', ...cmd.settle });
      const said: Record<typeof state, string> = {
        verified: `The module on ${cmd.via.port} holds license ${cmd.uuid}: it is verified.`,
        released: `The module on ${cmd.via.port} holds ${module.uuid ?? 'no license'}: license ${cmd.uuid} went back to its group.`,
        void: `The module on ${cmd.via.port} holds ${module.uuid ?? 'no license'}: license ${cmd.uuid} is void; the hub will be told it is spoiled.`,
      };
      out({ event: 'resolved', uuid: cmd.uuid, state, moduleUuid: module.uuid, moduleMac: module.mac }, said[state]);
      return exit.ok;
    }
    case 'verify': {
      const result = station.verifyAudit();
      if (result.ok) {
        out(
          { event: 'audit', ...result },
          `The audit chain verifies: ${result.entries} entries, head ${result.headHash.slice(0, 16)}…; all ${result.licenses} licenses agree with it.`,
        );
        return exit.ok;
      }
      const text = result.damaged
        ? `The vault is DAMAGED: ${result.reason}`
        : result.uuid === null
          ? `The audit chain is BROKEN at entry ${result.brokenAt}: ${result.reason}`
          : `A license DISAGREES with the audit chain: ${result.reason}`;
      out({ event: 'audit', ...result }, text);
      return exit.failed;
    }
    case 'backup': {
      if (existsSync(cmd.out)) {
        io.stderr(`${cmd.out} already exists: give a new file for the copy (an older backup is never overwritten).\n`);
        return exit.usage;
      }
      const { pages } = await station.vault.backupTo(cmd.out);
      out(
        { event: 'backup', out: cmd.out, pages },
        `Copied the vault to ${cmd.out} (${pages} pages). Keep it away from this computer; it opens with the same passphrase.`,
      );
      return exit.ok;
    }
    case 'reconcile': {
      const r = await new SyncEngine({ vault: station.vault, ledger: station.ledger }).reconcile(cmd.by);
      out(
        { event: 'reconciled', by: cmd.by, ...r },
        `Reconciled with the hub (by ${cmd.by}): ${r.burned} license(s) the hub holds as burned, ${r.spoiled} as spoiled and ${r.rejected} as rejected will not be offered again; ${r.unchanged} more were already used here. The vault offers its other licenses again; its outbox goes to the hub at the next sync.`,
      );
      return exit.ok;
    }
    case 'report': {
      const groupId = cmd.group !== undefined ? station.findGroup(cmd.group).id : undefined;
      const csv = station.exportBurnReportCsv(groupId !== undefined ? { groupId } : {});
      if (cmd.out) {
        await writeFile(cmd.out, csv, { mode: 0o600 });
        const rows = csv.split('\r\n').length - 2;
        out({ event: 'report', file: cmd.out, rows }, `Wrote ${rows} burn records to ${cmd.out}.`);
      } else {
        io.stdout(csv);
      }
      return exit.ok;
    }
    case 'run':
      return run(station, cmd, io, out, watcher);
  }
}

/** The group every row of a refused import belongs to, when the refusal is only that the whole list was imported before. */
function importedBefore(station: Station, errors: readonly LicenseListError[]): string | null {
  if (errors.length === 0 || errors.some((e) => e.code !== 'KNOWN_UUID')) return null;
  const groups = new Set(errors.map((e) => (e.uuid === undefined ? null : station.ledger.license(e.uuid).groupId)));
  return groups.size === 1 && !groups.has(null) ? [...groups][0]! : null;
}

function setPid(station: Station, groupId: string, pid: string, out: Out, prefix: string): number {
  const group = station.setGroupPid(groupId, pid, { by: 'station-cli' });
  out(
    { event: 'pid-set', groupId, pid: group.pid },
    `${prefix}Group "${group.name}" now has PID ${group.pid ?? pid}; slots burn it into modules that ask for one.`,
  );
  return exit.ok;
}

/** Licenses first (they add up to the total), attempts apart. */
const countsText = (c: GroupCounts) =>
  `${c.total} licenses: ${c.left} left, ${c.burned} burned, ${c.suspect} suspect, ${c.rejected} rejected, ${c.void} void; ${c.failedAttempts} failed attempts this shift`;

async function run(
  station: Station,
  cmd: Extract<StationCommand, { command: 'run' }>,
  io: StationCliIo,
  out: Out,
  watcher: ProgrammerWatcher | undefined,
): Promise<number> {
  for (const spec of cmd.slots) {
    const group = station.findGroup(spec.group);
    let resetSequence;
    if (spec.reset && spec.programmer) {
      const model = watcher?.list().find((t) => t.key === spec.programmer)?.port.programmer?.model;
      resetSequence = model !== undefined ? findProgrammerByModel(model)?.resetToAuthorization : undefined;
      if (resetSequence === undefined)
        throw new AppError(
          'NO_RESET_SEQUENCE',
          `Programmer ${spec.programmer} is not plugged in or is not a model the station knows, so its reset is unknown: plug it in, or leave reset=on out.`,
        );
    }
    station.addSlot({
      ...(spec.port ? { port: spec.port } : {}),
      ...(spec.programmer ? { programmer: spec.programmer } : {}),
      ...(resetSequence ? { resetSequence } : {}),
      protocol: spec.protocol,
      groupId: group.id,
      ...(spec.baudRate ? { baudRate: spec.baudRate } : {}),
    });
  }
  let burned = 0;
  let finish: (why: string) => void = () => undefined;
  const finished = new Promise<string>((resolve) => (finish = resolve));
  const last = new Map<string, string>();
  station.subscribe((e: StationEvent) => {
    if (e.type === 'counts') return;
    if (e.type !== 'slot') return;
    const s = e.slot;
    report(s, out, last, station);
    if (s.phase === 'done' && s.lastResult?.ok && last.get(`${s.slotId}:counted`) !== s.lastResult.uuid) {
      last.set(`${s.slotId}:counted`, s.lastResult.uuid);
      burned++;
      if (cmd.count !== undefined && burned >= cmd.count) finish('count');
    }
    if (!s.running && station.slots().every((x) => !x.running)) finish('slots-stopped');
  });
  station.ledger.setOperator(cmd.operator ?? null);
  try {
    station.start();
  } catch (e) {
    io.stderr(`${toErrorInfo(e).message}\n`);
    return exitCodeFor(e);
  }
  out(
    {
      event: 'started',
      slots: station.slots().map((s) => ({ slotId: s.slotId, port: s.port, protocol: s.protocol, groupId: s.groupId })),
      count: cmd.count ?? null,
    },
    `Burning on ${cmd.slots.length} slot(s)${cmd.count ? ` until ${cmd.count} modules are verified` : ''}. Press Ctrl-C to stop after the burns under way.`,
  );
  const onStop = () => finish('stopped');
  io.stop?.addEventListener('abort', onStop, { once: true });
  if (io.stop?.aborted) finish('stopped');
  const why = await finished;
  io.stop?.removeEventListener('abort', onStop);
  const onAbandon = () => void station.stop(undefined, { abandon: true });
  io.abandon?.addEventListener('abort', onAbandon, { once: true });
  await station.stop(undefined, { abandon: io.abandon?.aborted === true });
  io.abandon?.removeEventListener('abort', onAbandon);
  const reasons = station.slots().flatMap((s) => (s.stopReason ? [s.stopReason.message] : []));
  const groups = [...new Set(station.slots().map((s) => s.groupId))].map((id) => ({ groupId: id, counts: station.counts(id) }));
  out(
    { event: 'finished', why, burned, groups, reasons },
    [
      `Stopped (${why === 'count' ? 'count reached' : why === 'stopped' ? 'asked to stop' : 'every slot stopped'}): ${burned} module(s) burned in this run.`,
      ...reasons,
      ...groups.map((g) => `group ${g.groupId}: ${countsText(g.counts)}`),
    ].join('\n'),
  );
  if (why === 'slots-stopped' && (cmd.count === undefined || burned < cmd.count)) return exit.failed;
  return exit.ok;
}

/** Progress lines: every state change in JSON; in words only burns and failures. */
function report(s: SlotSnapshot, out: Out, last: Map<string, string>, station: Station): void {
  const key = `${s.phase}:${s.step ?? ''}:${s.lastResult?.at ?? ''}:${s.running}:${s.portProblem ?? ''}:${s.cannotTell}`;
  if (last.get(s.slotId) === key) return;
  last.set(s.slotId, key);
  const json = { event: 'slot', ...s };
  if (s.phase === 'done' && s.lastResult?.ok) {
    const c = station.counts(s.groupId);
    out(
      json,
      `slot ${s.number}: burned ${s.lastResult.uuid} into module ${s.lastResult.moduleMac ?? '(no MAC)'} in ${s.lastResult.durationMs} ms  [${c.burned} burned, ${c.available} left, ${c.suspect} suspect]`,
    );
  } else if (s.phase === 'failed' && s.lastResult && !s.lastResult.ok) {
    out(json, `slot ${s.number}: ${s.lastResult.code}: ${s.lastResult.message}`);
  } else if (s.phase === 'stopped' && s.stopReason) {
    out(json, `slot ${s.number} stopped: ${s.stopReason.message}`);
  } else if (s.running && s.portProblem) {
    out(json, `slot ${s.number}: ${s.portProblem}`);
  } else if (s.running && s.cannotTell) {
    out(json, cannotTellMessage(s.number));
  } else {
    out(json, '');
  }
}

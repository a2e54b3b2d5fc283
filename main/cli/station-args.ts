import { parseArgs } from 'node:util';
import { AppError } from '../../common/errors';
import { stationSupervisorNameSchema } from '../../common/hub-api';
import { isProtocolId, protocolIds } from '../../native/protocols';
import type { ProtocolId } from '../../native/protocols/types';

export const stationUsage = `Usage: npm run station -- <command> [options]

The headless station: the vault, the ledger and burn slots, without the app.
The vault passphrase comes from --passphrase-file <file> or the CS_PASSPHRASE
environment variable (never type it on the command line). The vault file is
--vault <file> or CS_VAULT.

Commands:
  create                      create a new, empty vault
  import --file <list.csv|list.xlsx> [--name <group name>] [--pid <pid>]
                              import a license list into a new group (all or nothing);
                              a list already imported, given with --pid, sets that group's PID
  import --group <id|name> --pid <pid>
                              set the product PID of a group (firmware that stores a PID asks for it)
  groups                      list groups with their licenses (left + burned + suspect + rejected + void)
  rejected [--group <id|name>]   licenses set aside because these modules cannot take them, with why
  block --group <id|name> --reason <text>    stop burning from a group
  unblock --group <id|name>
  run --slot port=<path>,protocol=<${protocolIds.join('|')}>,group=<id|name>[,baud=<rate>]
      [--slot ...] [--count <n>] [--operator <number>]
                              burn on every slot until <n> modules are verified
                              (each burn record names the operator, as at the station app)
                              or Ctrl-C (first: finish burns under way; second: abandon them)
  run --slot programmer=<key>,protocol=<p>,group=<id|name>[,reset=on] ...
                              the same, each slot bound to its programmer by its stable key
                              (npm run burn -- --list-ports shows them): it follows the programmer
                              to whatever tty it has and burns nothing while it is unplugged;
                              reset=on plays the programmer's DTR/RTS reset when the port opens
  suspects [--group <id|name>]   licenses whose burn outcome is unknown
  resolve --uuid <uuid> --port <path> --protocol <p> [--baud <rate>]
          [--serial <label>] [--confirm-unidentified] [--other release|void]
                              read the module on that port back and settle the suspect, only
                              if it is the module of the burn (its MAC; else the scanned --serial;
                              else --confirm-unidentified). Holds the license: verified; holds
                              nothing: back to its group; holds another: --other decides
  resolve --uuid <uuid> --void --reason <text>
                              void a suspect license whose module is lost or scrapped
  verify                      check the audit chain end to end
  backup --out <file>         a consistent copy of the vault (also while slots burn); it opens with the same passphrase
  restore --from <file>       put a copy back in the vault's place, after checking that it opens, is not
                              damaged, verifies, and is not older than the vault's last known state
                              (the replaced vault is kept beside it as <vault>.replaced-<time>)
  reconcile --by <supervisor name>
                              a vault older than its last known state (or than what the hub heard
                              of it): ask the hub which of its licenses are burned, spoiled or
                              rejected, mark them so (never offered again), and offer the rest
                              again; the hub's audit names the supervisor. Needs the hub the vault
                              is enrolled with
  report [--group <id|name>] [--out <file.csv>]
                              the burn report as CSV (uuid, module MAC, slot, time, result; no authkeys)

Options for every command: --vault <file>, --passphrase-file <file>, --json (one JSON object per line).
Exit codes: 0 done, 1 refused or failed (see the message; also a port in use), 2 bad usage, 3 the port cannot be opened,
4 vault cannot be opened (also: open in another station process), 5 unexpected error,
6 vault damaged or older than its last known state (restore the newest copy, or reconcile), 7 disk full,
8 the hub cannot be reached (reconcile: nothing was changed; try again when it is).`;

export const stationExitCodes = {
  ok: 0,
  failed: 1,
  usage: 2,
  port: 3,
  vault: 4,
  internal: 5,
  damaged: 6,
  diskFull: 7,
  hubUnreachable: 8,
} as const;

export interface SlotSpec {
  port?: string;
  /** The programmer's stable key (vid:pid:serial, usb-port:<socket>, tty:<path>), instead of a port. */
  programmer?: string;
  /** Play the programmer's DTR/RTS reset when the port opens (the jig wires the module's EN pin). */
  reset?: boolean;
  protocol: ProtocolId;
  group: string;
  baudRate?: number;
}

export type StationCommand =
  | { command: 'help' }
  | { command: 'create' }
  | { command: 'import'; file: string; name?: string; pid?: string }
  | { command: 'set-pid'; group: string; pid: string }
  | { command: 'rejected'; group?: string }
  | { command: 'groups' }
  | { command: 'block'; group: string; reason: string }
  | { command: 'unblock'; group: string }
  | { command: 'run'; slots: SlotSpec[]; count?: number; operator?: string }
  | { command: 'suspects'; group?: string }
  | {
      command: 'resolve';
      uuid: string;
      via: { port: string; protocol: ProtocolId; baudRate?: number } | { void: true; reason: string };
      settle?: { moduleSerial?: string; confirmUnidentified?: boolean; otherLicense?: 'release' | 'void' };
    }
  | { command: 'verify' }
  | { command: 'backup'; out: string }
  | { command: 'restore'; from: string }
  | { command: 'reconcile'; by: string }
  | { command: 'report'; group?: string; out?: string };

export interface StationArgs {
  cmd: StationCommand;
  vault: string | undefined;
  passphraseFile: string | undefined;
  json: boolean;
}

const bad = (message: string) => new AppError('BAD_ARGUMENT', `${message} Run "npm run station -- help" to see the commands.`);

function positiveInt(name: string, text: string, max: number): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < 1 || n > max)
    throw bad(`${name} must be a whole number from 1 to ${max} (got "${text}").`);
  return n;
}

/** `port=/dev/ttyUSB0,protocol=tuya-auc,group=<id>[,baud=115200]`, or `programmer=<key>,...[,reset=on]` */
export function parseSlotSpec(text: string): SlotSpec {
  const fields = new Map<string, string>();
  // a programmer key holds colons and may hold commas only in a usb-port path, never: split on commas
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw bad(`--slot "${text}": each part is key=value (port=..., protocol=..., group=...).`);
    const key = part.slice(0, eq).trim();
    if (!['port', 'programmer', 'protocol', 'group', 'baud', 'reset'].includes(key))
      throw bad(`--slot "${text}": unknown key "${key}"; use port (or programmer), protocol, group and optionally baud and reset.`);
    if (fields.has(key)) throw bad(`--slot "${text}": ${key} is given twice.`);
    fields.set(key, part.slice(eq + 1).trim());
  }
  const port = fields.get('port');
  const programmer = fields.get('programmer');
  const protocol = fields.get('protocol');
  const group = fields.get('group');
  const reset = fields.get('reset');
  if (port && programmer) throw bad(`--slot "${text}": give either port or programmer, not both.`);
  if (!port && !programmer) throw bad(`--slot "${text}" names no port (port=/dev/ttyUSB0) or programmer (programmer=<key>).`);
  if (reset !== undefined && reset !== 'on' && reset !== 'off') throw bad(`--slot "${text}": reset is on or off.`);
  if (reset === 'on' && !programmer)
    throw bad(`--slot "${text}": reset=on needs programmer=<key> (the reset comes from the programmer's model).`);
  if (!protocol || !isProtocolId(protocol)) throw bad(`--slot "${text}": protocol must be ${protocolIds.join(' or ')}.`);
  if (!group) throw bad(`--slot "${text}" names no group (group=<id or name>; see the groups command).`);
  const baud = fields.get('baud');
  return {
    ...(port ? { port } : { programmer: programmer! }),
    ...(reset === 'on' ? { reset: true } : {}),
    protocol,
    group,
    ...(baud !== undefined ? { baudRate: positiveInt('baud', baud, 4_000_000) } : {}),
  };
}

export function parseStationArgs(argv: readonly string[]): StationArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h')
    return { cmd: { command: 'help' }, vault: undefined, passphraseFile: undefined, json: false };
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        vault: { type: 'string' },
        'passphrase-file': { type: 'string' },
        json: { type: 'boolean' },
        file: { type: 'string' },
        name: { type: 'string' },
        pid: { type: 'string' },
        group: { type: 'string' },
        reason: { type: 'string' },
        slot: { type: 'string', multiple: true },
        count: { type: 'string' },
        operator: { type: 'string' },
        uuid: { type: 'string' },
        port: { type: 'string' },
        protocol: { type: 'string' },
        baud: { type: 'string' },
        void: { type: 'boolean' },
        serial: { type: 'string' },
        'confirm-unidentified': { type: 'boolean' },
        other: { type: 'string' },
        out: { type: 'string' },
        from: { type: 'string' },
        by: { type: 'string' },
        passphrase: { type: 'string' },
      },
    }));
  } catch (e) {
    throw bad(e instanceof Error ? e.message.replace(/\. To specify.*$/s, '.') : String(e));
  }
  if (values.passphrase !== undefined)
    throw bad(
      'Do not put the passphrase on the command line (other users can see it): use --passphrase-file <file> or the CS_PASSPHRASE environment variable.',
    );
  const str = (k: string) => values[k] as string | undefined;
  const need = (k: string, what: string) => {
    const v = str(k);
    if (v === undefined || v.trim() === '') throw bad(`"${command}" needs --${k} ${what}.`);
    return v;
  };
  const allowed: Record<string, string[]> = {
    create: [],
    import: ['file', 'name', 'pid', 'group'],
    rejected: ['group'],
    groups: [],
    block: ['group', 'reason'],
    unblock: ['group'],
    run: ['slot', 'count', 'operator'],
    suspects: ['group'],
    resolve: ['uuid', 'port', 'protocol', 'baud', 'void', 'reason', 'serial', 'confirm-unidentified', 'other'],
    verify: [],
    backup: ['out'],
    restore: ['from'],
    reconcile: ['by'],
    report: ['group', 'out'],
  };
  const own = allowed[command];
  if (!own) throw bad(`Unknown command "${command}".`);
  for (const key of Object.keys(values)) {
    if (!['vault', 'passphrase-file', 'json', ...own].includes(key)) throw bad(`"${command}" takes no --${key}.`);
  }
  let cmd: StationCommand;
  switch (command) {
    case 'create':
    case 'groups':
    case 'verify':
      cmd = { command };
      break;
    case 'import':
      if (str('group') !== undefined) {
        if (str('file') !== undefined || str('name') !== undefined)
          throw bad('"import --group" sets the PID of a group already here; it takes only --pid.');
        cmd = { command: 'set-pid', group: need('group', '<id|name>'), pid: need('pid', '<product PID>') };
        break;
      }
      cmd = {
        command,
        file: need('file', '<list.csv|list.xlsx>'),
        ...(str('name') ? { name: str('name')! } : {}),
        ...(str('pid') ? { pid: str('pid')! } : {}),
      };
      break;
    case 'block':
      cmd = { command, group: need('group', '<id|name>'), reason: need('reason', '<why, shown to operators>') };
      break;
    case 'unblock':
      cmd = { command, group: need('group', '<id|name>') };
      break;
    case 'run': {
      const slots = ((values.slot as string[] | undefined) ?? []).map(parseSlotSpec);
      if (slots.length === 0) throw bad('"run" needs at least one --slot port=<path>,protocol=<p>,group=<id>.');
      const keys = slots.flatMap((s) => (s.programmer ? [s.programmer] : []));
      const twice = keys.find((k, i) => keys.indexOf(k) !== i);
      if (twice !== undefined) throw bad(`Programmer ${twice} is given to two slots; each slot needs its own programmer.`);
      const count = str('count');
      const operator = str('operator');
      if (operator !== undefined && !/^[0-9A-Za-z-]{1,16}$/.test(operator))
        throw bad('--operator is an operator number: 1 to 16 letters, digits or dashes.');
      cmd = {
        command,
        slots,
        ...(count !== undefined ? { count: positiveInt('--count', count, 10_000_000) } : {}),
        ...(operator !== undefined ? { operator } : {}),
      };
      break;
    }
    case 'suspects':
    case 'rejected':
      cmd = { command, ...(str('group') ? { group: str('group')! } : {}) };
      break;
    case 'resolve': {
      const uuid = need('uuid', '<uuid>');
      if (values.void) {
        if (str('port') !== undefined) throw bad('"resolve" takes either --port (read the module back) or --void, not both.');
        cmd = { command, uuid, via: { void: true, reason: need('reason', '<why the license is voided>') } };
      } else {
        const port = need('port', '<path of the jig holding the module> (or --void --reason <text>)');
        const protocol = need('protocol', `<${protocolIds.join('|')}>`);
        if (!isProtocolId(protocol)) throw bad(`Unknown protocol "${protocol}": use ${protocolIds.join(' or ')}.`);
        const baud = str('baud');
        const other = str('other');
        if (other !== undefined && other !== 'release' && other !== 'void')
          throw bad('--other is "release" (the license goes back to its group) or "void".');
        const settle = {
          ...(str('serial') ? { moduleSerial: str('serial')! } : {}),
          ...(values['confirm-unidentified'] ? { confirmUnidentified: true } : {}),
          ...(other ? { otherLicense: other as 'release' | 'void' } : {}),
        };
        cmd = {
          command,
          uuid,
          via: { port, protocol, ...(baud !== undefined ? { baudRate: positiveInt('--baud', baud, 4_000_000) } : {}) },
          settle,
        };
      }
      break;
    }
    case 'backup':
      cmd = { command, out: need('out', '<file for the copy>') };
      break;
    case 'restore':
      cmd = { command, from: need('from', '<the backup to put back>') };
      break;
    case 'reconcile': {
      const by = need('by', "<supervisor name> (the hub's audit names who reconciled)").trim();
      if (!stationSupervisorNameSchema.safeParse(by).success)
        throw bad('--by names the supervisor: up to 120 letters, digits, spaces and . _ @ # -.');
      cmd = { command, by };
      break;
    }
    case 'report':
      cmd = { command, ...(str('group') ? { group: str('group')! } : {}), ...(str('out') ? { out: str('out')! } : {}) };
      break;
    default:
      throw bad(`Unknown command "${command}".`);
  }
  return { cmd, vault: str('vault'), passphraseFile: str('passphrase-file'), json: values.json === true };
}

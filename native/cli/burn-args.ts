import { parseArgs } from 'node:util';
import { AppError } from '../../common/errors';
import { authkeySchema, macSchema, pidSchema, uuidSchema } from '../../common/license';
import { isProtocolId, protocolIds } from '../protocols';
import type { LicenseToBurn, ProtocolId } from '../protocols/types';

/** What `npm run burn` was asked to do, validated. */
export type BurnCliArgs =
  | { mode: 'help' }
  | { mode: 'list-ports'; json: boolean; extraPorts: string[]; virtualDirs: string[] }
  | {
      mode: 'burn';
      port: string;
      protocol: ProtocolId;
      license: LicenseToBurn;
      baudRate: number;
      allowReauthorize: boolean;
      /** 'none', 'auto' (the programmer found on the port) or a programmer model. */
      reset: string;
      json: boolean;
    };

export const burnUsage = `Burn one license into the module on a port, or list the ports.

  npm run burn -- --port <path> --protocol <${protocolIds.join('|')}> --uuid <uuid> --authkey <authkey>
                  [--mac <12 hex>] [--pid <product id>] [--baud 115200] [--allow-reauthorize]
                  [--reset none|auto|<programmer model>] [--json]
  npm run burn -- --list-ports [--extra-port <path>]... [--virtual-dir <dir>]... [--json]

  --mac   the MAC from the license list (tuya-auc writes it with the license)
  --pid   the product PID: modules whose firmware stores a PID ask for it, and a
          license burned without one is refused before anything is sent

Exit codes: 0 burned and verified, 1 the burn failed (the outcome says why and
whether the license left the station), 2 bad arguments, 3 the port could not be
opened or reset, 4 unexpected error.`;

const baudRates = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1000000, 1500000, 2000000];

/** Parses argv (without node and script); bad input is an AppError with code USAGE and a plain message. */
export function parseBurnArgs(argv: readonly string[]): BurnCliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        protocol: { type: 'string' },
        uuid: { type: 'string' },
        authkey: { type: 'string' },
        mac: { type: 'string' },
        pid: { type: 'string' },
        baud: { type: 'string' },
        'allow-reauthorize': { type: 'boolean' },
        reset: { type: 'string' },
        json: { type: 'boolean' },
        'list-ports': { type: 'boolean' },
        'extra-port': { type: 'string', multiple: true },
        'virtual-dir': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw usage(e instanceof Error ? e.message : String(e));
  }
  const v = parsed.values;
  if (v.help) return { mode: 'help' };
  if (v['list-ports']) {
    const stray = (['port', 'protocol', 'uuid', 'authkey', 'mac', 'pid', 'baud', 'reset'] as const).filter((k) => v[k] !== undefined);
    if (stray.length > 0) throw usage(`--list-ports only lists ports; leave out ${stray.map((k) => `--${k}`).join(', ')}.`);
    return { mode: 'list-ports', json: v.json ?? false, extraPorts: v['extra-port'] ?? [], virtualDirs: v['virtual-dir'] ?? [] };
  }

  const missing = (['port', 'protocol', 'uuid', 'authkey'] as const).filter((k) => !v[k]);
  if (missing.length > 0) throw usage(`Missing ${missing.map((k) => `--${k}`).join(', ')}.`);
  if (!isProtocolId(v.protocol)) throw usage(`Unknown protocol "${v.protocol}": use one of ${protocolIds.join(', ')}.`);
  check(uuidSchema, v.uuid!, '--uuid');
  check(authkeySchema, v.authkey!, '--authkey');
  if (v.mac !== undefined) check(macSchema, v.mac, '--mac');
  if (v.pid !== undefined) check(pidSchema, v.pid, '--pid');
  let baudRate = 115200;
  if (v.baud !== undefined) {
    baudRate = Number(v.baud);
    if (!baudRates.includes(baudRate))
      throw usage(`--baud ${v.baud} is not a baud rate the station uses: use one of ${baudRates.join(', ')}.`);
  }
  if (v['extra-port'] || v['virtual-dir']) throw usage('--extra-port and --virtual-dir go with --list-ports.');
  return {
    mode: 'burn',
    port: v.port!,
    protocol: v.protocol,
    license: { uuid: v.uuid!, authkey: v.authkey!, mac: v.mac, pid: v.pid },
    baudRate,
    allowReauthorize: v['allow-reauthorize'] ?? false,
    reset: v.reset ?? 'none',
    json: v.json ?? false,
  };
}

function check(
  schema: { safeParse(x: unknown): { success: boolean; error?: { issues: { message: string }[] } } },
  value: string,
  flag: string,
): void {
  const r = schema.safeParse(value);
  // The authkey is a secret: name the flag and the rule, never echo the value.
  if (!r.success) throw usage(`${flag} is not valid: ${r.error?.issues[0]?.message ?? 'bad value'}.`);
}

function usage(message: string): AppError {
  return new AppError('USAGE', `${message} Run with --help to see how to use it.`);
}

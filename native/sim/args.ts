import { parseArgs } from 'node:util';
import { AppError } from '../../common/errors';
import { protocolIds, type ProtocolId } from '../../common/protocols';
import { faultNames, simStages, type FaultSet, type PersonalityOptions, type SimStage, type SimTiming } from './types';

/** What `npm run sim -- ...` was asked to start. */
export interface SimCliOptions {
  protocol: ProtocolId;
  variant: string | undefined;
  count: number;
  timing: SimTiming;
  faults: FaultSet;
  options: PersonalityOptions;
  dir: string | undefined;
  /** Print one JSON line per event instead of sentences. */
  json: boolean;
  /** Take commands as JSON lines on stdin (used by spawnFleet). */
  control: boolean;
  help: boolean;
}

export const simUsage = `Usage: npm run sim -- [options]
Starts virtual modules, each on its own pseudo-terminal, and prints the port
the station should open for each. Runs until Ctrl-C.

  --protocol <tuya-auc|tuyaopen-cli>   protocol the modules speak (default tuya-auc)
  --variant <name>        firmware variant (tuya-auc: standard | pid; tuyaopen-cli: current | legacy)
  --count <n>             how many modules (default 1, at most 64)
  --baud <rate>           baud rate of the timing model (default 115200)
  --flash-ms <ms>         what one flash write costs (default 20)
  --boot-ms <ms>          time from power-on until the firmware answers (default 0)
  --zero-timing           bytes and flash writes cost nothing (host-overhead measurements)
  --fault <name[=value]>  inject a fault into every module; repeatable. Names:
                          noAnswer=<stage>, corruptChecksum=<stage>, unplugMidFrame=<stage>
                          (stage: ${simStages.join(' | ')}), writeRefused, readbackMismatch,
                          alreadyAuthorized, slowBootMs=<ms>
  --option <key=value>    personality setting, e.g. watchdogMs=5000 (tuya-auc), logEveryMs=2 or resetInAuth=true (tuyaopen-cli), repeatable
  --dir <path>            where the port links and state files go (default: a temp dir)
  --json                  print JSON lines instead of sentences
  --help                  this text`;

const bad = (message: string) => new AppError('BAD_ARGUMENT', `${message} Run with --help to see the options.`);

function number(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max)
    throw bad(`--${name} must be a number from ${min} to ${max} (got "${text}").`);
  return n;
}

function parseFault(text: string, faults: FaultSet): void {
  const [name, value] = text.split('=', 2) as [string, string | undefined];
  if (!(faultNames as readonly string[]).includes(name)) throw bad(`Unknown fault "${name}": use one of ${faultNames.join(', ')}.`);
  switch (name) {
    case 'noAnswer':
    case 'corruptChecksum':
    case 'unplugMidFrame': {
      const stage = (value ?? 'any') as SimStage;
      if (!simStages.includes(stage)) throw bad(`Fault ${name} takes a stage (${simStages.join(', ')}), not "${value}".`);
      faults[name] = stage;
      return;
    }
    case 'slowBootMs':
      faults.slowBootMs = number('fault slowBootMs', value ?? '', 0, 0, 600_000);
      return;
    default:
      if (value !== undefined && value !== 'true') throw bad(`Fault ${name} takes no value.`);
      faults[name as 'writeRefused' | 'readbackMismatch' | 'alreadyAuthorized'] = true;
  }
}

/** Parses the command line; throws BAD_ARGUMENT with a plain message. */
export function parseSimArgs(argv: readonly string[]): SimCliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        protocol: { type: 'string' },
        variant: { type: 'string' },
        count: { type: 'string' },
        baud: { type: 'string' },
        'flash-ms': { type: 'string' },
        'boot-ms': { type: 'string' },
        'zero-timing': { type: 'boolean' },
        fault: { type: 'string', multiple: true },
        option: { type: 'string', multiple: true },
        dir: { type: 'string' },
        json: { type: 'boolean' },
        control: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).replace(/\. To specify.*$/s, '').replace(/\.?$/, '.');
    throw bad(why);
  }
  const protocol = (values.protocol ?? 'tuya-auc') as ProtocolId;
  if (!protocolIds.includes(protocol)) throw bad(`Unknown protocol "${values.protocol}": use ${protocolIds.join(' or ')}.`);
  const faults: FaultSet = {};
  for (const f of values.fault ?? []) parseFault(f, faults);
  const options: Record<string, string | number | boolean> = {};
  for (const o of values.option ?? []) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw bad(`--option needs key=value (got "${o}").`);
    const v = o.slice(eq + 1);
    options[o.slice(0, eq)] = v === 'true' ? true : v === 'false' ? false : v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  const count = number('count', values.count, 1, 1, 64);
  if (!Number.isInteger(count)) throw bad(`--count must be a whole number (got "${values.count}").`);
  return {
    protocol,
    variant: values.variant,
    count,
    timing: {
      baudRate: number('baud', values.baud, 115200, 300, 4_000_000),
      flashWriteMs: number('flash-ms', values['flash-ms'], 20, 0, 60_000),
      bootMs: number('boot-ms', values['boot-ms'], 0, 0, 60_000),
      zero: values['zero-timing'] ?? false,
    },
    faults,
    options,
    dir: values.dir,
    json: values.json ?? false,
    control: values.control ?? false,
    help: values.help ?? false,
  };
}

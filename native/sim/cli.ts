// `npm run sim -- --count 4 --protocol tuya-auc`: virtual modules on ptys until Ctrl-C.
// With --control it also takes JSON-line commands on stdin (see remote.ts).
import { createInterface } from 'node:readline';
import { isAppError, toErrorInfo } from '../../common/errors';
import { parseSimArgs, simUsage, type SimCliOptions } from './args';
import { Fleet } from './fleet';

async function main(): Promise<number> {
  let args: SimCliOptions;
  try {
    args = parseSimArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${isAppError(e) ? e.message : String(e)}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${simUsage}\n`);
    return 0;
  }
  const say = (line: object, text: string) => process.stdout.write(`${args.json || args.control ? JSON.stringify(line) : text}\n`);
  let fleet: Fleet;
  try {
    fleet = await Fleet.start({
      protocol: args.protocol,
      variant: args.variant,
      count: args.count,
      timing: args.timing,
      faults: args.faults,
      options: args.options,
      dir: args.dir,
      log: (m) => process.stderr.write(`${m}\n`),
    });
  } catch (e) {
    process.stderr.write(`Could not start the virtual modules: ${toErrorInfo(e).message}\n`);
    return 1;
  }
  const ports = await fleet.ports();
  const timing = args.timing.zero ? 'zero timing' : `${args.timing.baudRate} baud, flash write ${args.timing.flashWriteMs} ms`;
  say(
    { event: 'ready', ports },
    ports.map((p) => `module ${p.index}: ${p.protocol} (${p.variant}, ${timing}) on host port ${p.hostPath}`).join('\n') +
      '\nPress Ctrl-C to stop.',
  );

  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= fleet.stop());
  const done = new Promise<void>((resolve) => {
    process.once('SIGINT', () => void stop().then(resolve));
    process.once('SIGTERM', () => void stop().then(resolve));
    if (args.control) {
      const rl = createInterface({ input: process.stdin });
      rl.on('line', (line) => void command(fleet, line, () => void stop().then(resolve)));
      rl.on('close', () => void stop().then(resolve)); // the parent went away
    }
  });
  await done;
  say({ event: 'stopped' }, 'Stopped.');
  return 0;
}

/** One control command: {"id":1,"op":"swap","index":0,"spec":{...}} -> {"id":1,"ok":true,"value":...}. */
async function command(fleet: Fleet, line: string, onStop: () => void): Promise<void> {
  let id: unknown = null;
  try {
    const msg = JSON.parse(line) as { id?: unknown; op?: string; index?: number; spec?: object; faults?: object };
    id = msg.id ?? null;
    let value: unknown;
    switch (msg.op) {
      case 'ports':
        value = await fleet.ports();
        break;
      case 'swap':
        value = await fleet.swap(msg.index ?? -1, msg.spec ?? {});
        break;
      case 'setFaults':
        value = await fleet.setFaults(msg.index ?? -1, msg.faults ?? {});
        break;
      case 'readFlash':
        value = await fleet.readFlash(msg.index ?? -1);
        break;
      case 'unplug':
        value = await fleet.unplug(msg.index ?? -1);
        break;
      case 'stop':
        process.stdout.write(`${JSON.stringify({ id, ok: true, value: null })}\n`);
        onStop();
        return;
      default:
        throw new Error(`unknown op ${String(msg.op)}`);
    }
    process.stdout.write(`${JSON.stringify({ id, ok: true, value: value ?? null })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ id, ok: false, error: toErrorInfo(e) })}\n`);
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${toErrorInfo(e).message}\n`);
    process.exit(1);
  },
);

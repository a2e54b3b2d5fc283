// `npm run station -- <command>`: the headless station (see station-args.ts for the commands).
import { runStationCommand } from './station-command';

const stop = new AbortController();
const abandon = new AbortController();
const onSignal = () => {
  // First signal: finish the burns under way and record them; second: abandon them.
  if (!stop.signal.aborted) {
    process.stderr.write('Stopping after the burns under way (press Ctrl-C again to abandon them)...\n');
    stop.abort();
  } else {
    abandon.abort();
  }
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await runStationCommand(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  stop: stop.signal,
  abandon: abandon.signal,
});
process.exitCode = code;
// Ports and timers are closed by then; exit even if a stray handle lingers.
setTimeout(() => process.exit(code), 200).unref();

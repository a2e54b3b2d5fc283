// `npm run burn -- --port <path> --protocol tuya-auc --uuid ... --authkey ...`:
// burns one license headless and prints the outcome; `--list-ports` lists ports.
import { runBurnCommand } from './burn-command';

const controller = new AbortController();
// Ctrl-C cancels the burn cleanly (the outcome then says whether anything was sent).
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());

const code = await runBurnCommand(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  signal: controller.signal,
});
// Explicit: a port handle or timer left behind must not keep a finished command alive.
process.exit(code);

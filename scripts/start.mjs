// `npm start`: installs the dependencies on a fresh clone, then runs the demo
// (scripts/demo.ts) in this very process (tsx registered in-process, no tsx
// or shell process in between), so SIGINT or SIGTERM to the process npm
// started reaches the demo, which stops everything it started.
import './ensure-deps.mjs';

const { register } = await import('tsx/esm/api');
register();
const { runDemo } = await import('./demo.ts');
await runDemo(process.argv.slice(2));

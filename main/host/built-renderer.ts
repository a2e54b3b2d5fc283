import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../common/errors';

/** The two browser apps of the tree: the station's screens (renderer/) and the hub console (console/). */
const apps = {
  renderer: { flag: '--renderer', code: 'RENDERER_NOT_BUILT', what: "The station's screens" },
  console: { flag: '--console', code: 'CONSOLE_NOT_BUILT', what: 'The hub console' },
} as const;

/**
 * The built renderer (dist/renderer) of the tree at `root` (or the hub console,
 * dist/console). When it is missing it is built first by the project's build
 * script in a child process, so the host itself never loads vite (a
 * development dependency).
 */
export async function builtRenderer(
  root: string,
  say: (line: string) => void = () => undefined,
  app: keyof typeof apps = 'renderer',
): Promise<string> {
  const { flag, code, what } = apps[app];
  const dir = join(root, 'dist', app);
  if (existsSync(join(dir, 'index.html'))) return dir;
  say(`Building ${app === 'renderer' ? 'the renderer' : 'the hub console'} (scripts/build.mjs ${flag})…`);
  const script = join(root, 'scripts', 'build.mjs');
  const exit = await new Promise<number | string>((resolve) => {
    const child = spawn(process.execPath, [script, flag], { cwd: root, stdio: 'inherit' });
    child.once('error', (e) => resolve(e.message));
    child.once('exit', (c, signal) => resolve(c ?? signal ?? 'killed'));
  });
  if (exit !== 0 || !existsSync(join(dir, 'index.html'))) {
    throw new AppError(
      code,
      `${what} (${dir}) are missing and building them failed (${exit}); run "npm run build" where the development dependencies are installed.`,
    );
  }
  return dir;
}

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../common/errors';

/**
 * The built renderer (dist/renderer) of the tree at `root`. When it is missing
 * it is built first by the project's build script in a child process, so the
 * host itself never loads vite (a development dependency).
 */
export async function builtRenderer(root: string, say: (line: string) => void = () => undefined): Promise<string> {
  const dir = join(root, 'dist', 'renderer');
  if (existsSync(join(dir, 'index.html'))) return dir;
  say('Building the renderer (scripts/build.mjs --renderer)…');
  const script = join(root, 'scripts', 'build.mjs');
  const exit = await new Promise<number | string>((resolve) => {
    const child = spawn(process.execPath, [script, '--renderer'], { cwd: root, stdio: 'inherit' });
    child.once('error', (e) => resolve(e.message));
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'killed'));
  });
  if (exit !== 0 || !existsSync(join(dir, 'index.html'))) {
    throw new AppError('RENDERER_NOT_BUILT', `The station's screens (${dir}) are missing and building them failed (${exit}); run "npm run build" where the development dependencies are installed.`);
  }
  return dir;
}

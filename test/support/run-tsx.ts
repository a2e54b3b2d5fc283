import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, for scripts and the working directory of child processes. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a TypeScript file in its own node process (as `tsx` would), killed at
 * `timeoutMs`. Resolves on 'close' (all output read); `until: 'exit'` resolves
 * when the child itself exits, for children whose own children may hold the pipes.
 */
export function runTsx(
  script: string,
  args: string[] = [],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; until?: 'close' | 'exit' } = {},
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: repoRoot,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on(options.until ?? 'close', (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The child's stdout as JSON, or null when it printed something else. */
export function parsedOutput<T>(run: ChildRun): T | null {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    return null;
  }
}

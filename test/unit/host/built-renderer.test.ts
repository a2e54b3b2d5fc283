// The browser host serves the built renderer and builds it through the build script, never by loading vite itself.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtRenderer } from '../../../main/host/built-renderer';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A tree whose scripts/build.mjs runs `body` (and notes its arguments). */
function tree(body: string): string {
  root = mkdtempSync(join(tmpdir(), 'built-renderer-'));
  mkdirSync(join(root, 'scripts'));
  writeFileSync(
    join(root, 'scripts', 'build.mjs'),
    `import { mkdirSync, writeFileSync } from 'node:fs';\nwriteFileSync('args.json', JSON.stringify(process.argv.slice(2)));\n${body}\n`,
  );
  return root;
}

describe('builtRenderer', () => {
  it('serves an existing build as it is, without running the build script', async () => {
    tree('process.exit(3);');
    mkdirSync(join(root, 'dist', 'renderer'), { recursive: true });
    writeFileSync(join(root, 'dist', 'renderer', 'index.html'), '<html></html>');
    const said: string[] = [];
    await expect(builtRenderer(root, (l) => said.push(l))).resolves.toBe(join(root, 'dist', 'renderer'));
    expect(said).toEqual([]);
  });

  it('builds a missing renderer through scripts/build.mjs --renderer', async () => {
    tree(`mkdirSync('dist/renderer', { recursive: true }); writeFileSync('dist/renderer/index.html', 'built');`);
    const said: string[] = [];
    const dir = await builtRenderer(root, (l) => said.push(l));
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toBe('built');
    expect(JSON.parse(readFileSync(join(root, 'args.json'), 'utf8'))).toEqual(['--renderer']);
    expect(said).toHaveLength(1);
  });

  it('says how to build it when the build fails', async () => {
    tree(`console.error('vite is not installed'); process.exit(1);`);
    await expect(builtRenderer(root)).rejects.toMatchObject({
      code: 'RENDERER_NOT_BUILT',
      message: expect.stringContaining('npm run build'),
    });
  });
});

describe('builtRenderer for the hub console', () => {
  it('builds a missing console through scripts/build.mjs --console', async () => {
    tree(`mkdirSync('dist/console', { recursive: true }); writeFileSync('dist/console/index.html', 'console');`);
    const dir = await builtRenderer(root, () => undefined, 'console');
    expect(dir).toBe(join(root, 'dist', 'console'));
    expect(JSON.parse(readFileSync(join(root, 'args.json'), 'utf8'))).toEqual(['--console']);
  });

  it('names the console when its build fails', async () => {
    tree('process.exit(1);');
    await expect(builtRenderer(root, () => undefined, 'console')).rejects.toMatchObject({
      code: 'CONSOLE_NOT_BUILT',
      message: expect.stringContaining('hub console'),
    });
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Vault anchors (main/vault/anchor.ts) of every test go to a temp folder, never the user's state folder.
process.env.CS_STATE_DIR ??= mkdtempSync(join(tmpdir(), 'cs-test-state-'));

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/chaos/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The suite's shared log sink is searched for secrets after every file (test/support/log-sink.ts).
    setupFiles: ['test/support/log-secrets.setup.ts'],
    reporters: ['default'],
  },
});

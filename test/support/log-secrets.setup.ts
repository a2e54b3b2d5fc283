// After every test file: no registered secret (authkey, token, code, password) in any log line the file wrote.
import { afterAll, expect } from 'vitest';
import { findSecretsInLog } from './log-sink';

afterAll(() => {
  expect(findSecretsInLog(), 'secrets written to the log').toEqual([]);
});

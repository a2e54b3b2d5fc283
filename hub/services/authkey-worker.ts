/**
 * The authkey opener's worker thread (authkey-opener.ts): opens sealed authkeys for big pulls and downloads, so
 * the hub's main thread goes on with the database meanwhile. It is given each key once, and opens a request's
 * authkeys with the keys of that request's ring only; an authkey it cannot open comes back as null, and the main
 * thread opens that one itself to say why.
 */
import type { KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { isSealed, openWith, sealedKeyId } from './sealed';
import type { OpenReply, OpenRequest } from './authkey-opener';

const keys = new Map<string, KeyObject>();
const port = parentPort!;

port.on('message', (m: OpenRequest) => {
  for (const k of m.keys) keys.set(k.id, k.key);
  const ring = new Set(m.ring);
  const authkeys: (string | null)[] = new Array<string | null>(m.sealed.length);
  for (let i = 0; i < m.sealed.length; i++) {
    const stored = m.sealed[i]!;
    if (!isSealed(stored)) {
      authkeys[i] = stored;
      continue;
    }
    const id = sealedKeyId(stored);
    const key = ring.has(id) ? keys.get(id) : undefined;
    try {
      authkeys[i] = key ? openWith(key, m.uuids[i]!, stored) : null;
    } catch {
      authkeys[i] = null;
    }
  }
  port.postMessage({ id: m.id, authkeys } satisfies OpenReply);
});
port.postMessage({ ready: true } satisfies OpenReply);

import { describe, expect, it } from 'vitest';
import { MemoryTransport } from '../../../native/transport/memory';

describe('MemoryTransport', () => {
  it('delivers what one end writes to the other end', async () => {
    const [a, b] = MemoryTransport.pair();
    await a.open();
    await b.open();
    await a.write(Buffer.from([1, 2]));
    await a.write(Buffer.from([3]));
    expect([...(await b.read({ timeoutMs: 50 }))]).toEqual([1, 2, 3]);
    expect(a.lastWrite).toEqual(Buffer.from([3]));
  });

  it('rejects a read with TIMEOUT when nothing arrives by the deadline', async () => {
    const [a] = MemoryTransport.pair();
    await a.open();
    await expect(a.read({ timeoutMs: 20 })).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('rejects a pending read with DISCONNECTED on unplug, and every later call too', async () => {
    const [a] = MemoryTransport.pair();
    await a.open();
    const pending = a.read({ timeoutMs: 1000 });
    a.unplug();
    await expect(pending).rejects.toMatchObject({ code: 'DISCONNECTED' });
    await expect(a.read({ timeoutMs: 10 })).rejects.toMatchObject({ code: 'DISCONNECTED' });
    await expect(a.write(Buffer.from([1]))).rejects.toMatchObject({ code: 'DISCONNECTED' });
  });

  it('rejects a read with CANCELED when its signal aborts', async () => {
    const [a] = MemoryTransport.pair();
    await a.open();
    const ctrl = new AbortController();
    const pending = a.read({ timeoutMs: 1000, signal: ctrl.signal });
    ctrl.abort();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELED' });
  });

  it('drops unread input on flushInput', async () => {
    const [a] = MemoryTransport.pair();
    await a.open();
    a.emitData('noise');
    await a.flushInput();
    await expect(a.read({ timeoutMs: 10 })).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('records DTR/RTS changes', async () => {
    const [a] = MemoryTransport.pair();
    await a.open();
    await a.set({ dtr: false, rts: true });
    expect(a.signals).toEqual([{ dtr: false, rts: true }]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootHub, makeCredential, seedWorld, targets, type TestHub } from './harness';

describe.each(targets())('hub smoke on %s', (target) => {
  let h: TestHub;
  beforeAll(async () => {
    h = await bootHub(target);
  });
  afterAll(async () => h?.close());

  it('creates a credential with licenses and reports its counts', async () => {
    await seedWorld(h);
    const c = await makeCredential(h, { purchased: 5, free: 2 });
    const got = await h.admin('GET', `/v1/admin/credentials/${c.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ purchased: 5, free: 2, state: 'valid', counts: { unused: 7, leased: 0 } });
  });
});

import { createHash, createHmac, randomBytes } from 'node:crypto';
import { keyPrefix } from '@nightshift/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

// Sessions written as the release before the shared session store wrote them (key names and
// values spelled out here, not taken from the code) must still sign their browsers in.
const adminKey = 'admin-key-0123456789abcdef';
let api: Awaited<ReturnType<typeof apiUnderTest>>;

beforeAll(async () => {
  api = await apiUnderTest({ NIGHTSHIFT_ADMIN_KEY: adminKey });
});
afterAll(async () => {
  await api?.close();
});

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const sessionId = () => randomBytes(32).toString('base64url');

describe('sessions opened before a deploy', () => {
  it('keeps an admin session stored under {nightshift}:admin:session:<sha256> with its key fingerprint', async () => {
    const id = sessionId();
    const fingerprint = createHmac('sha256', adminKey)
      .update('nightshift-admin-session-key-v2')
      .digest('base64url');
    await api.client.set(`${keyPrefix}:admin:session:${sha256(id)}`, fingerprint, 'EX', 600);
    const res = await api.app.request('/admin/keys', {
      headers: { cookie: `nightshift_admin=${id}` },
    });
    expect(res.status).toBe(200);
    // A session of another admin key is not one.
    const stale = sessionId();
    await api.client.set(`${keyPrefix}:admin:session:${sha256(stale)}`, 'AAAA', 'EX', 600);
    const refused = await api.app.request('/admin/keys', {
      headers: { cookie: `nightshift_admin=${stale}` },
    });
    expect(refused.status).toBe(401);
  });

  it('keeps a tenant session stored under {nightshift}:tenant-session:<sha256> as JSON', async () => {
    const id = sessionId();
    const session = { tenant: 'acme', keyHash: sha256('acme-key'), csrf: sessionId() };
    await api.client.set(
      `${keyPrefix}:tenant-session:${sha256(id)}`,
      JSON.stringify(session),
      'EX',
      600,
    );
    const res = await api.app.request('/tenant', {
      headers: { cookie: `nightshift_tenant=${id}` },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('acme');
  });

  it('writes new sessions under the same key names', async () => {
    const before = new Set(await api.client.keys(`${keyPrefix}:*session*`));
    const res = await api.app.request('/admin/login', {
      method: 'POST',
      headers: { origin: 'http://localhost' },
      body: new URLSearchParams({ key: adminKey }),
    });
    const id = (res.headers.get('set-cookie') ?? '').split(';')[0]?.split('=')[1] as string;
    const added = (await api.client.keys(`${keyPrefix}:*session*`)).filter((k) => !before.has(k));
    expect(added).toEqual([`${keyPrefix}:admin:session:${sha256(id)}`]);
  });
});

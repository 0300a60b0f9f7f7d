import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

const adminKey = 'admin-key-0123456789abcdef';
const env = { NIGHTSHIFT_ADMIN_KEY: adminKey };
const admin = { authorization: `Bearer ${adminKey}` };
let a: Awaited<ReturnType<typeof apiUnderTest>>;
let b: Awaited<ReturnType<typeof apiUnderTest>>;

beforeAll(async () => {
  a = await apiUnderTest(env);
  // A second replica: its own app and Redis connections, the same Redis.
  b = await apiUnderTest(env, { redisUrl: a.redis.url });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

const createKey = (body: unknown, headers: Record<string, string> = admin) =>
  a.app.request('/admin/keys', {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('managed API keys across two API replicas', () => {
  it('creates on A, works on B, lists without the secret, revoked on A fails on B at once', async () => {
    const created = await createKey({ tenant: 'initech', name: 'nightly importer' });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const key = (await created.json()) as { id: string; key: string; last4: string };
    expect(key.key).toMatch(/^ns_/);
    expect(created.headers.get('location')).toBe(`/admin/keys/${key.id}`);

    const onB = await b.app.request('/v1/batches', { headers: b.auth(key.key) });
    expect(onB.status).toBe(200);
    const submitted = await b.postJson('/v1/batches', { documents: [{ text: 'hello' }] }, key.key);
    expect(submitted.status).toBe(202);
    // The batch belongs to the key's tenant: a static key of another tenant cannot see it.
    const { id } = (await submitted.json()) as { id: string };
    expect((await a.app.request(`/v1/batches/${id}`, { headers: a.auth(key.key) })).status).toBe(
      200,
    );
    expect((await a.app.request(`/v1/batches/${id}`, { headers: a.auth() })).status).toBe(404);

    const listed = await b.app.request('/admin/keys?tenant=initech', { headers: admin });
    const text = await listed.text();
    expect(text).not.toContain(key.key);
    expect(JSON.parse(text).data).toEqual([
      expect.objectContaining({
        id: key.id,
        tenant: 'initech',
        name: 'nightly importer',
        last4: key.last4,
      }),
    ]);

    const revoked = await a.app.request(`/admin/keys/${key.id}`, {
      method: 'DELETE',
      headers: admin,
    });
    expect(revoked.status).toBe(204);
    const after = await b.app.request('/v1/batches', { headers: b.auth(key.key) });
    expect(after.status).toBe(401);
    expect(after.headers.get('content-type')).toBe('application/problem+json');
    expect(
      (await a.app.request(`/admin/keys/${key.id}`, { method: 'DELETE', headers: admin })).status,
    ).toBe(404);
  });

  it('keeps static keys from NIGHTSHIFT_API_KEYS working', async () => {
    expect((await b.app.request('/v1/batches', { headers: b.auth('globex-key') })).status).toBe(
      200,
    );
    expect((await b.app.request('/v1/batches', { headers: b.auth('ns_not-a-key') })).status).toBe(
      401,
    );
  });

  it('guards the admin API with the admin key', async () => {
    const none = await a.app.request('/admin/keys');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('nightshift-admin');
    const tenantKey = await a.app.request('/admin/keys', { headers: a.auth() });
    expect(tenantKey.status).toBe(401);
    const wrong = await createKey({ tenant: 'x' }, { authorization: `Bearer ${adminKey}x` });
    expect(wrong.status).toBe(401);
  });

  it('names the failing field of a bad create', async () => {
    const bad = await createKey({ tenant: 'no spaces' });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe('tenant');
    const malformed = await a.app.request('/admin/keys', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: '{',
    });
    expect(malformed.status).toBe(400);
  });

  it('answers 404 on every admin path when NIGHTSHIFT_ADMIN_KEY is unset', async () => {
    const off = await apiUnderTest({}, { redisUrl: a.redis.url });
    try {
      for (const path of ['/admin', '/admin/keys', '/admin/queues', '/admin/login']) {
        const res = await off.app.request(path, { headers: admin });
        expect(res.status, path).toBe(404);
      }
    } finally {
      await off.close();
    }
  });
});

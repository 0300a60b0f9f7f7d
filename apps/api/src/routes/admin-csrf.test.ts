import { keyPrefix, queueNames } from '@nightshift/core';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

const adminKey = 'admin-key-0123456789abcdef';
const bearer = { authorization: `Bearer ${adminKey}` };
// app.request() serves http://localhost; a page on another port of the same host is same-site
// (SameSite=Strict lets the cookie through) but a different origin.
const own = 'http://localhost';
const otherPort = 'http://localhost:5173';
const proxy = 'https://ops.example.com';
let api: Awaited<ReturnType<typeof apiUnderTest>>;
let webhooks: Queue;
let session: string;

beforeAll(async () => {
  api = await apiUnderTest({ NIGHTSHIFT_ADMIN_KEY: adminKey, NIGHTSHIFT_ADMIN_ORIGINS: proxy });
  webhooks = new Queue(queueNames.webhooks, { connection: api.client, prefix: keyPrefix });
  const login = await api.app.request('/admin/login', {
    method: 'POST',
    headers: { origin: own },
    body: new URLSearchParams({ key: adminKey }),
  });
  expect(login.status).toBe(303);
  session = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
});
afterAll(async () => {
  await api?.close();
});

const createKey = (tenant: string, headers: Record<string, string>) =>
  api.app.request('/admin/keys', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ tenant }),
  });
const keysOf = async (tenant: string) =>
  (
    (await (await api.app.request(`/admin/keys?tenant=${tenant}`, { headers: bearer })).json()) as {
      data: unknown[];
    }
  ).data;
const addJob = (headers: Record<string, string>, body: string) =>
  api.app.request(`/admin/queues/api/queues/${queueNames.webhooks}/add`, {
    method: 'POST',
    headers,
    body,
  });
const forgedDelivery = JSON.stringify({
  name: 'deliver',
  data: { tenant: 'acme', url: 'https://evil.example/hook' },
});

describe('admin CSRF: cookie-authenticated state changes need an admin page origin', () => {
  it('refuses a key created from another port of the same host, and creates none', async () => {
    const forged = await createKey('forged', { cookie: session, origin: otherPort });
    expect(forged.status).toBe(403);
    expect(forged.headers.get('content-type')).toBe('application/problem+json');
    expect(((await forged.json()) as { type: string }).type).toBe('/problems/admin-cross-origin');
    expect(await keysOf('forged')).toEqual([]);

    const noOrigin = await createKey('forged', { cookie: session });
    expect(noOrigin.status).toBe(403);
    const crossSite = await createKey('forged', { cookie: session, 'sec-fetch-site': 'same-site' });
    expect(crossSite.status).toBe(403);
    const nullOrigin = await createKey('forged', { cookie: session, origin: 'null' });
    expect(nullOrigin.status).toBe(403);
    expect(await keysOf('forged')).toEqual([]);
  });

  it('accepts the same request from its own origin, a configured one, or Sec-Fetch-Site', async () => {
    expect((await createKey('mine', { cookie: session, origin: own })).status).toBe(201);
    expect((await createKey('mine', { cookie: session, origin: proxy })).status).toBe(201);
    const fetchedSameOrigin = { cookie: session, 'sec-fetch-site': 'same-origin' };
    expect((await createKey('mine', fetchedSameOrigin)).status).toBe(201);
    // Behind a TLS proxy that keeps the Host: the browser's origin is https://localhost.
    const viaTls = { cookie: session, origin: 'https://localhost', 'x-forwarded-proto': 'https' };
    expect((await createKey('mine', viaTls)).status).toBe(201);
    expect(await keysOf('mine')).toHaveLength(4);
  });

  it('leaves Bearer-authenticated calls (curl, scripts) as they were: no Origin needed', async () => {
    expect((await createKey('scripted', bearer)).status).toBe(201);
    const revoke = await api.app.request(`/admin/keys/nope`, { method: 'DELETE', headers: bearer });
    expect(revoke.status).toBe(404);
  });

  it('guards DELETE and PUT too, and reads stay open to the cookie', async () => {
    const del = await api.app.request('/admin/keys/anything', {
      method: 'DELETE',
      headers: { cookie: session, origin: otherPort },
    });
    expect(del.status).toBe(403);
    const put = await api.app.request('/admin/tenants/acme/quota', {
      method: 'PUT',
      headers: { cookie: session, origin: otherPort, 'content-type': 'application/json' },
      body: JSON.stringify({ maxQueuedDocuments: 1 }),
    });
    expect(put.status).toBe(403);
    const quota = await api.app.request('/admin/tenants/acme/quota', {
      headers: { cookie: session },
    });
    expect(((await quota.json()) as { overrides: object }).overrides).toEqual({});
  });

  it("refuses Bull Board's add-job from another port: no forged webhook job is queued", async () => {
    const before = await webhooks.count();
    const asJson = { cookie: session, origin: otherPort, 'content-type': 'application/json' };
    expect((await addJob(asJson, forgedDelivery)).status).toBe(403);
    // What a cross-site form can send without a preflight.
    const asForm = { cookie: session, origin: otherPort, 'content-type': 'text/plain' };
    expect((await addJob(asForm, forgedDelivery)).status).toBe(403);
    const retry = await api.app.request(
      `/admin/queues/api/queues/${queueNames.webhooks}/retry/failed`,
      {
        method: 'PUT',
        headers: { cookie: session, origin: otherPort },
      },
    );
    expect(retry.status).toBe(403);
    expect(await webhooks.count()).toBe(before);
  });

  it('refuses a sign-in posted from another origin (login CSRF), and sets no cookie', async () => {
    for (const headers of [{ origin: otherPort }, {}] as Record<string, string>[]) {
      const forged = await api.app.request('/admin/login', {
        method: 'POST',
        headers,
        body: new URLSearchParams({ key: adminKey }),
      });
      expect(forged.status).toBe(403);
      expect(forged.headers.get('set-cookie')).toBeNull();
    }
  });
});

describe('admin bodies are JSON only: text/plain is never parsed as JSON (415)', () => {
  it("answers 415 for Bull Board's add-job with a text/plain body, even from its own origin", async () => {
    const before = await webhooks.count();
    const plain = await addJob(
      { cookie: session, origin: own, 'content-type': 'text/plain' },
      forgedDelivery,
    );
    expect(plain.status).toBe(415);
    expect(plain.headers.get('content-type')).toBe('application/problem+json');
    const untyped = await addJob({ ...bearer }, forgedDelivery);
    expect(untyped.status).toBe(415);
    expect(await webhooks.count()).toBe(before);

    const json = await addJob({ ...bearer, 'content-type': 'application/json' }, forgedDelivery);
    expect(json.status).toBe(200);
    expect(await webhooks.count()).toBe(before + 1);
    await webhooks.obliterate({ force: true });
  });

  it("lets Bull Board's body-less buttons through (its UI sends no Content-Type on them)", async () => {
    const retry = await api.app.request(
      `/admin/queues/api/queues/${queueNames.webhooks}/retry/failed`,
      {
        method: 'PUT',
        headers: { cookie: session, origin: own },
      },
    );
    expect(retry.status).toBe(200);
  });

  it('answers 415 on the key and quota endpoints for text/plain, with either credential', async () => {
    const key = await api.app.request('/admin/keys', {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'text/plain' },
      body: JSON.stringify({ tenant: 'plain' }),
    });
    expect(key.status).toBe(415);
    expect(await keysOf('plain')).toEqual([]);
    const quota = await api.app.request('/admin/tenants/acme/quota', {
      method: 'PUT',
      headers: { cookie: session, origin: own, 'content-type': 'text/plain' },
      body: JSON.stringify({ maxQueuedDocuments: 1 }),
    });
    expect(quota.status).toBe(415);
    expect(quota.headers.get('content-type')).toBe('application/problem+json');
  });
});

import { type IdKind, idSchemas, newBatchId, newScheduleId } from '@nightshift/core';
import { newWebhookId } from '@nightshift/webhooks';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

// Every route with an id in its path, against the real app on a real Redis: an id that is not
// shaped like one answers the route's 404 before any Redis command sees it (before, another
// tenant's `batch_…:documents` reached a list key and answered 500 WRONGTYPE, which told
// that the batch exists).

const adminKey = 'admin-key-0123456789abcdef';
let api: Awaited<ReturnType<typeof apiUnderTest>>;
/** Real ids of each kind, owned by acme and by globex; suffixed they name other Redis keys. */
const real: Record<IdKind, string[]> = {
  batch: [],
  schedule: [],
  delivery: [],
  apiKey: [],
  tenant: [],
};

beforeAll(async () => {
  api = await apiUnderTest({ NIGHTSHIFT_ADMIN_KEY: adminKey });
  for (const key of ['acme-key', 'globex-key']) {
    const batch = await api.postJson('/v1/batches', { documents: [{ text: 'hello' }] }, key);
    const { id: batchId } = (await batch.json()) as { id: string };
    real.batch.push(batchId);
    const schedule = await api.postJson(
      '/v1/schedules',
      { name: 'n', cron: '0 1 * * *', source: { kind: 'inline', documents: [{ text: 'x' }] } },
      key,
    );
    real.schedule.push(((await schedule.json()) as { id: string }).id);
    const deliveryId = newWebhookId();
    await api.webhooks.deliveries.open({
      id: deliveryId,
      tenant: key === 'acme-key' ? 'acme' : 'globex',
      batchId,
      eventType: 'batch.completed',
      url: 'https://hooks.example.com/in',
      body: '{}',
    });
    real.delivery.push(deliveryId);
  }
  const created = await api.app.request('/admin/keys', {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'initech' }),
  });
  real.apiKey.push(((await created.json()) as { id: string }).id);
  real.tenant.push('acme', 'globex');
  expect(real.batch).toHaveLength(2);
  expect(real.schedule.every((id) => idSchemas.schedule.safeParse(id).success)).toBe(true);
});
afterAll(async () => {
  await api?.close();
});

interface IdRoute {
  method: string;
  path: (id: string) => string;
  kind: IdKind;
  admin?: boolean;
  body?: unknown;
}

const idRoutes: IdRoute[] = [
  { method: 'GET', path: (id) => `/v1/batches/${id}`, kind: 'batch' },
  { method: 'GET', path: (id) => `/v1/batches/${id}/results`, kind: 'batch' },
  { method: 'POST', path: (id) => `/v1/batches/${id}/cancel`, kind: 'batch' },
  { method: 'GET', path: (id) => `/v1/batches/${id}/deliveries`, kind: 'batch' },
  { method: 'GET', path: (id) => `/v1/deliveries/${id}`, kind: 'delivery' },
  { method: 'POST', path: (id) => `/v1/deliveries/${id}/retry`, kind: 'delivery' },
  { method: 'GET', path: (id) => `/v1/schedules/${id}`, kind: 'schedule' },
  { method: 'PATCH', path: (id) => `/v1/schedules/${id}`, kind: 'schedule', body: {} },
  { method: 'DELETE', path: (id) => `/v1/schedules/${id}`, kind: 'schedule' },
  { method: 'GET', path: (id) => `/v1/schedules/${id}/runs`, kind: 'schedule' },
  { method: 'DELETE', path: (id) => `/admin/keys/${id}`, kind: 'apiKey', admin: true },
  { method: 'GET', path: (id) => `/admin/tenants/${id}/quota`, kind: 'tenant', admin: true },
  {
    method: 'PUT',
    path: (id) => `/admin/tenants/${id}/quota`,
    kind: 'tenant',
    admin: true,
    body: { maxQueuedDocuments: 10 },
  },
];

const request = (route: IdRoute, encodedId: string) =>
  api.app.request(route.path(encodedId), {
    method: route.method,
    headers: {
      authorization: `Bearer ${route.admin ? adminKey : 'acme-key'}`,
      ...(route.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(route.body === undefined ? {} : { body: JSON.stringify(route.body) }),
  });

/** Ids a client could put in a path; every real id suffixed the way Redis keys are built. */
const hostileIds = (kind: IdKind) =>
  fc.oneof(
    fc
      .constantFrom(...real[kind])
      .chain((id) =>
        fc.constantFrom(
          `${id}:documents`,
          `${id}:states`,
          `${id}:results`,
          `${id}:checkpoints`,
          `${id}:batches`,
          `${id} `,
          `${id}\n`,
          `${id}x`,
          id.toUpperCase() === id ? `${id}_` : id.toUpperCase(),
          `../${id}`,
          `${id}/..`,
        ),
      ),
    fc.constantFrom(
      'x',
      '../',
      '..',
      '%',
      '*',
      ':',
      '__proto__',
      'a'.repeat(5000),
      'ünïcödé',
      '🦆',
    ),
    fc.constantFrom(newBatchId(), newScheduleId(), newWebhookId(), 'key_AAAAAAAAAAAA'),
    fc.string({ minLength: 1, maxLength: 80, unit: 'grapheme' }),
    fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }),
  );

/** The id as a path segment; lone surrogates cannot be encoded and are skipped. */
function encode(id: string): string | undefined {
  try {
    return encodeURIComponent(id);
  } catch {
    return undefined;
  }
}

async function expectProblem404(response: Response, context: string) {
  const text = await response.text();
  expect(response.status, `${context} → ${response.status} ${text.slice(0, 200)}`).toBe(404);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(JSON.parse(text)).toMatchObject({ status: 404, title: 'Not Found' });
}

describe('ids in paths', () => {
  it.each(idRoutes.map((route) => [`${route.method} ${route.path(':id')}`, route] as const))(
    '%s: a malformed id answers 404 problem+json, never 5xx',
    async (_name, route) => {
      const schema = idSchemas[route.kind];
      await fc.assert(
        fc.asyncProperty(hostileIds(route.kind), async (id) => {
          const encoded = encode(id);
          if (encoded === undefined) return;
          const response = await request(route, encoded);
          const context = `${route.method} ${route.path(encoded).slice(0, 120)}`;
          if (!schema.safeParse(id).success) return expectProblem404(response, context);
          expect(response.status, context).toBeLessThan(500);
        }),
        { numRuns: 60 },
      );
    },
  );

  it("answers another tenant's batch with a key suffix exactly like a made-up id", async () => {
    const [, theirs] = real.batch as [string, string];
    for (const suffix of ['', '/results', '/deliveries']) {
      const made = await request(idRoutes[0] as IdRoute, `batch_nope${suffix}`);
      for (const path of [`${theirs}:documents${suffix}`, `${theirs}:states${suffix}`]) {
        const response = await api.app.request(`/v1/batches/${path}`, { headers: api.auth() });
        expect(response.status, path).toBe(404);
        expect(((await response.json()) as { type: string }).type).toBe(
          '/problems/batch-not-found',
        );
      }
      expect(made.status).toBe(404);
    }
  });

  it('still serves every route for a well-formed id', async () => {
    const [ours] = real.batch as [string];
    expect((await api.app.request(`/v1/batches/${ours}`, { headers: api.auth() })).status).toBe(
      200,
    );
    const [delivery] = real.delivery as [string];
    expect(
      (await api.app.request(`/v1/deliveries/${delivery}`, { headers: api.auth() })).status,
    ).toBe(200);
    const [schedule] = real.schedule as [string];
    expect(
      (await api.app.request(`/v1/schedules/${schedule}/runs`, { headers: api.auth() })).status,
    ).toBe(200);
    const quota = await request(idRoutes[12] as IdRoute, 'acme');
    expect(quota.status).toBe(200);
    const [keyId] = real.apiKey as [string];
    expect((await request(idRoutes[10] as IdRoute, keyId)).status).toBe(204);
  });
});

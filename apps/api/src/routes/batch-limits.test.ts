import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

const adminKey = 'admin-key-0123456789abcdef';
const env = {
  NIGHTSHIFT_ADMIN_KEY: adminKey,
  NIGHTSHIFT_BATCH_RATE_PER_MIN: '1',
  NIGHTSHIFT_BATCH_BURST: '3',
  NIGHTSHIFT_MAX_DOCUMENTS: '4',
  NIGHTSHIFT_MAX_DOCUMENT_BYTES: '1000',
  NIGHTSHIFT_MAX_BATCH_BYTES: '2500',
  NIGHTSHIFT_MAX_QUEUED_PER_TENANT: '5',
  NIGHTSHIFT_API_KEYS:
    'acme:acme-key,globex:globex-key,umbrella:umbrella-key,hooli:hooli-key,initech:initech-key',
};
let a: Awaited<ReturnType<typeof apiUnderTest>>;
let b: Awaited<ReturnType<typeof apiUnderTest>>;

beforeAll(async () => {
  a = await apiUnderTest(env);
  b = await apiUnderTest(env, { redisUrl: a.redis.url });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

// Quota tests submit more often than the burst of 3 allows: each starts with full buckets.
const refillBuckets = () =>
  a.client.del('{nightshift}:ratelimit:batch:umbrella', '{nightshift}:ratelimit:batch:acme');

const texts = (...sizes: number[]) => ({ documents: sizes.map((n) => ({ text: 'x'.repeat(n) })) });
const problemOf = async (res: Response) => {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as { type: string; status: number; detail: string } & Record<
    string,
    unknown
  >;
};

describe('batch submission limits across two API replicas', () => {
  it('shares one per-tenant rate limit: 429 with Retry-After and RateLimit-* headers', async () => {
    const first = await a.postJson('/v1/batches', texts(10), 'globex-key');
    expect(first.status).toBe(202);
    expect(first.headers.get('ratelimit-limit')).toBe('3');
    expect(first.headers.get('ratelimit-remaining')).toBe('2');
    expect((await b.postJson('/v1/batches', texts(10), 'globex-key')).status).toBe(202);
    expect((await a.postJson('/v1/batches', texts(10), 'globex-key')).status).toBe(202);
    const limited = await b.postJson('/v1/batches', texts(10), 'globex-key');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('ratelimit-policy')).toBe('3;w=180');
    expect((await problemOf(limited)).type).toBe('/problems/rate-limited');
    // Reading is not submitting, and another tenant has its own bucket.
    expect((await b.app.request('/v1/batches', { headers: b.auth('globex-key') })).status).toBe(
      200,
    );
    expect((await b.postJson('/v1/batches', texts(10), 'hooli-key')).status).toBe(202);
  });

  beforeEach(refillBuckets);

  it('refuses too many documents (413) and too many bytes per batch (413)', async () => {
    const many = await a.postJson('/v1/batches', texts(1, 1, 1, 1, 1), 'umbrella-key');
    expect(many.status).toBe(413);
    expect(await problemOf(many)).toMatchObject({ type: '/problems/too-many-documents', limit: 4 });
    const heavy = await b.postJson('/v1/batches', texts(900, 900, 900), 'umbrella-key');
    expect(heavy.status).toBe(413);
    const body = await problemOf(heavy);
    expect(body).toMatchObject({ type: '/problems/batch-too-large', limit: 2500, received: 2700 });
    expect(body.detail).toContain('2500 bytes');
  });

  it('records a document over the per-document limit as failed, not the batch', async () => {
    const res = await a.postJson('/v1/batches', texts(10, 1001), 'umbrella-key');
    expect(res.status).toBe(202);
    const batch = (await res.json()) as { id: string; counts: { failed: number; queued: number } };
    expect(batch.counts).toMatchObject({ failed: 1, queued: 1 });
  });

  it('caps unfinished documents per tenant with a 429 that says why, until documents finish', async () => {
    // umbrella has 1 unfinished document from the test above; 4 more reach the quota of 5.
    const fill = await a.postJson('/v1/batches', texts(5, 5, 5, 5), 'umbrella-key');
    expect(fill.status).toBe(202);
    const full = await b.postJson('/v1/batches', texts(5), 'umbrella-key');
    expect(full.status).toBe(429);
    expect(full.headers.get('retry-after')).toBeNull();
    const body = await problemOf(full);
    expect(body).toMatchObject({
      type: '/problems/queued-quota-exceeded',
      limit: 5,
      queued: 5,
      received: 1,
    });
    expect(body.detail).toContain("'umbrella' has 5 documents unfinished");

    // Two documents finish (one fails, one succeeds): room for two, not three.
    const { id } = (await fill.json()) as { id: string };
    await a.store.moveDocument(id, 'doc_0', 'running');
    await a.store.moveDocument(id, 'doc_0', 'succeeded', {
      documentId: 'doc_0',
      status: 'succeeded',
      summary: 's',
      model: 'm',
      usage: { promptTokens: 1, completionTokens: 1 },
    });
    await a.store.moveDocument(id, 'doc_1', 'failed', {
      documentId: 'doc_1',
      status: 'failed',
      error: { code: 'x', message: 'x' },
      model: null,
      usage: { promptTokens: 0, completionTokens: 0 },
    });
    expect(await b.store.unfinishedDocuments('umbrella')).toBe(3);
    await refillBuckets();
    expect((await b.postJson('/v1/batches', texts(5, 5, 5), 'umbrella-key')).status).toBe(429);
    expect((await b.postJson('/v1/batches', texts(5, 5), 'umbrella-key')).status).toBe(202);
  });

  it('applies a per-tenant quota override set through the admin API on every replica', async () => {
    const put = await a.app.request('/admin/tenants/umbrella/quota', {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ maxQueuedDocuments: 7 }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({
      overrides: { maxQueuedDocuments: 7 },
      effective: { maxQueuedDocuments: 7, maxBatchBytes: 2500 },
    });
    expect(await b.store.unfinishedDocuments('umbrella')).toBe(5);
    expect((await b.postJson('/v1/batches', texts(5, 5), 'umbrella-key')).status).toBe(202);
    expect((await b.postJson('/v1/batches', texts(5), 'umbrella-key')).status).toBe(429);
  });

  it('lets only one of two simultaneous batches through when only one fits, on two replicas', async () => {
    // initech has nothing unfinished and a quota of 5: each batch of 3 fits alone, not both.
    const unfinished = await a.store.unfinishedDocuments('initech');
    expect(unfinished).toBe(0);
    await a.client.del('{nightshift}:ratelimit:batch:initech');
    const answers = await Promise.all([
      a.postJson('/v1/batches', texts(5, 5, 5), 'initech-key'),
      b.postJson('/v1/batches', texts(5, 5, 5), 'initech-key'),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([202, 429]);
    const refused = answers.find((r) => r.status === 429);
    expect(await refused?.json()).toMatchObject({
      type: expect.stringContaining('queued-quota-exceeded'),
      limit: 5,
      queued: 3,
      received: 3,
    });
    expect(await a.store.unfinishedDocuments('initech')).toBe(3);
  });

  it('frees the quota when a batch is cancelled', async () => {
    const res = await a.postJson('/v1/batches', texts(5, 5, 5), 'acme-key');
    const { id } = (await res.json()) as { id: string };
    expect(await a.store.unfinishedDocuments('acme')).toBe(3);
    const cancelled = await b.app.request(`/v1/batches/${id}/cancel`, {
      method: 'POST',
      headers: b.auth('acme-key'),
    });
    expect(cancelled.status).toBe(200);
    expect(await a.store.unfinishedDocuments('acme')).toBe(0);
  });
});

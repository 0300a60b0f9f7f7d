import { TenantQuotaStore } from '@nightshift/tenants';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

let api: Awaited<ReturnType<typeof apiUnderTest>>;
beforeAll(async () => {
  api = await apiUnderTest({
    NIGHTSHIFT_MAX_BODY_BYTES: '4096',
    NIGHTSHIFT_MAX_DOCUMENTS: '3',
    NIGHTSHIFT_MAX_DOCUMENT_BYTES: '1000',
    NIGHTSHIFT_MAX_BATCH_BYTES: '2500',
    NIGHTSHIFT_MAX_SCHEDULES_PER_TENANT: '3',
    NIGHTSHIFT_SCHEDULE_MIN_INTERVAL_S: '60',
  });
});
beforeEach(async () => {
  await api.client.flushall();
});
afterAll(async () => {
  await api.close();
});

const send = (method: string, path: string, body: unknown, key = 'acme-key') =>
  api.app.request(path, {
    method,
    headers: { ...api.auth(key), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const schedule = (texts: string[], extra: Record<string, unknown> = {}) => ({
  name: 'nightly',
  cron: '0 1 * * *',
  source: { kind: 'inline', documents: texts.map((text) => ({ text })) },
  ...extra,
});
const problemOf = async (response: Response) => {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return (await response.json()) as {
    type: string;
    detail: string;
    errors?: { field: string; message: string }[];
  } & Record<string, unknown>;
};
const stored = async (key = 'acme-key') => {
  const list = await api.app.request('/v1/schedules', { headers: api.auth(key) });
  return ((await list.json()) as { data: { id: string }[] }).data;
};

describe('schedule size limits (those of POST /v1/batches)', () => {
  it('refuses a body over NIGHTSHIFT_MAX_BODY_BYTES with 413, as it streams in', async () => {
    const declared = await send('POST', '/v1/schedules', schedule(['x'.repeat(5000)]));
    expect(declared.status).toBe(413);
    expect((await problemOf(declared)).type).toBe('/problems/body-too-large');

    // Chunked, no length: 8 MiB offered, read only until the limit is passed.
    const total = 8 * 1024 * 1024;
    const head = new TextEncoder().encode(
      '{"name":"big","cron":"0 1 * * *","source":{"kind":"inline","documents":[{"text":"',
    );
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= total) return controller.close();
        const chunk = pulled === 0 ? head : new Uint8Array(64 * 1024).fill(120);
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const chunked = await api.app.request('/v1/schedules', {
      method: 'POST',
      headers: { ...api.auth(), 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await problemOf(chunked)).type).toBe('/problems/body-too-large');
    expect(pulled).toBeLessThan(1024 * 1024); // a few chunks, not the 8 MiB
    expect(await stored()).toEqual([]);
  });

  it('refuses a PATCH body over the limit with 413 and leaves the schedule as it was', async () => {
    const created = await send('POST', '/v1/schedules', schedule(['small']));
    const { id } = (await created.json()) as { id: string };
    const big = { source: { kind: 'inline', documents: [{ text: 'x'.repeat(5000) }] } };
    const response = await send('PATCH', `/v1/schedules/${id}`, big);
    expect(response.status).toBe(413);
    expect((await problemOf(response)).type).toBe('/problems/body-too-large');
    const now = await api.app.request(`/v1/schedules/${id}`, { headers: api.auth() });
    expect(((await now.json()) as { source: unknown }).source).toEqual({
      kind: 'inline',
      documents: [{ text: 'small' }],
    });
  });

  it('refuses more documents than NIGHTSHIFT_MAX_DOCUMENTS with 413 too-many-documents', async () => {
    const response = await send('POST', '/v1/schedules', schedule(['a', 'b', 'c', 'd']));
    expect(response.status).toBe(413);
    expect(await problemOf(response)).toMatchObject({
      type: '/problems/too-many-documents',
      limit: 3,
      received: 4,
    });
  });

  it('refuses more bytes than NIGHTSHIFT_MAX_BATCH_BYTES (or the tenant override) with 413 batch-too-large', async () => {
    const texts = ['x'.repeat(900), 'y'.repeat(900), 'z'.repeat(900)];
    const response = await send('POST', '/v1/schedules', schedule(texts));
    expect(response.status).toBe(413);
    expect(await problemOf(response)).toMatchObject({
      type: '/problems/batch-too-large',
      limit: 2500,
      received: 2700,
    });
    await new TenantQuotaStore({ redis: api.client }).set('globex', { maxBatchBytes: 3000 });
    expect((await send('POST', '/v1/schedules', schedule(texts), 'globex-key')).status).toBe(201);
  });

  it('refuses a document over NIGHTSHIFT_MAX_DOCUMENT_BYTES with 422 naming it (too_large)', async () => {
    const response = await send('POST', '/v1/schedules', schedule(['fine', 'x'.repeat(1001)]));
    expect(response.status).toBe(422);
    const body = await problemOf(response);
    expect(body.type).toBe('/problems/validation-error');
    expect(body.errors).toEqual([
      { field: 'source.documents.1', message: expect.stringMatching(/^too_large: /) },
    ]);
    const created = await send('POST', '/v1/schedules', schedule(['fine']));
    const { id } = (await created.json()) as { id: string };
    const patched = await send('PATCH', `/v1/schedules/${id}`, {
      source: { kind: 'inline', documents: [{ text: 'x'.repeat(1001) }] },
    });
    expect(patched.status).toBe(422);
    expect((await problemOf(patched)).errors?.map((e) => e.field)).toEqual(['source.documents.0']);
  });

  it('refuses a repeated document id with 422 naming it under source', async () => {
    const response = await send('POST', '/v1/schedules', {
      ...schedule([]),
      source: {
        kind: 'inline',
        documents: [
          { id: 'a', text: '1' },
          { id: 'a', text: '2' },
        ],
      },
    });
    expect(response.status).toBe(422);
    expect((await problemOf(response)).errors?.map((e) => e.field)).toEqual([
      'source.documents.1.id',
    ]);
  });
});

describe('schedules per tenant', () => {
  it('allows NIGHTSHIFT_MAX_SCHEDULES_PER_TENANT, then 422; concurrent creates cannot pass the last slot', async () => {
    expect((await send('POST', '/v1/schedules', schedule(['one']))).status).toBe(201);
    const racers = await Promise.all(
      Array.from({ length: 6 }, () => send('POST', '/v1/schedules', schedule(['racer']))),
    );
    expect(racers.map((r) => r.status).sort()).toEqual([201, 201, 422, 422, 422, 422]);
    const refused = await problemOf(racers.find((r) => r.status === 422) as Response);
    expect(refused).toMatchObject({ type: '/problems/schedule-limit-reached', limit: 3 });
    expect(await stored()).toHaveLength(3);
    // Another tenant counts its own.
    expect((await send('POST', '/v1/schedules', schedule(['theirs']), 'globex-key')).status).toBe(
      201,
    );
  });
});

describe('minimum interval between fires', () => {
  it.each(['* * * * * *', '*/30 * * * * *', '0,30 * * * * *', '0,50 0 * * * *'])(
    'refuses %s at creation with 422 naming cron',
    async (cron) => {
      const response = await send('POST', '/v1/schedules', schedule(['x'], { cron }));
      expect(response.status).toBe(422);
      const body = await problemOf(response);
      expect(body.errors).toEqual([
        { field: 'cron', message: expect.stringContaining('at most once every 60 s') },
      ]);
    },
  );

  it('accepts a cron firing once a minute, and refuses a PATCH to a faster one', async () => {
    const created = await send('POST', '/v1/schedules', schedule(['x'], { cron: '* * * * *' }));
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const patched = await send('PATCH', `/v1/schedules/${id}`, { cron: '*/5 * * * * *' });
    expect(patched.status).toBe(422);
    expect((await problemOf(patched)).errors?.map((e) => e.field)).toEqual(['cron']);
    const now = await api.app.request(`/v1/schedules/${id}`, { headers: api.auth() });
    expect(((await now.json()) as { cron: string }).cron).toBe('* * * * *');
    expect((await send('PATCH', `/v1/schedules/${id}`, { cron: '0 2 * * *' })).status).toBe(200);
  });
});

import { ScheduleStore } from '@nightshift/schedules';
import { newWebhookId } from '@nightshift/webhooks';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest, testMetricsToken } from '../../test-support/api-under-test.ts';
import { h200WorkerStatus } from '../../test-support/dashboard-seed.ts';
import { hotEchoWorker } from '../../test-support/hot-echo-worker.ts';
import { OpenApiContract, type OpenApiDocument } from '../../test-support/openapi-contract.ts';
import { healthRoutes } from '../routes/health.ts';

// Real answers of every documented operation, from the real app on a real Redis, checked
// against the document the app serves at /openapi.json: each status must be declared for its
// operation, the content type declared for that status, declared headers present, and the body
// valid against the declared schema. The last test requires every operation to have been
// exercised with a success and, where it declares any, an error status.

type Api = Awaited<ReturnType<typeof apiUnderTest>>;
let api: Api;
/** Rate limits of 1 and hot-lane admission on: for 429 and 503. */
let strict: Api;
let hotWorker: Worker;
let contract: OpenApiContract;
let batchId: string;
let otherBatchId: string;

const missingBatch = 'batch_01jd8q3zj5w2n9x4k7m6p1r0st';
const missingSchedule = 'sched_01jd8q3zj5w2n9x4k7m6p1r0st';

beforeAll(async () => {
  api = await apiUnderTest({
    NIGHTSHIFT_MAX_BODY_BYTES: String(64 * 1024),
    NIGHTSHIFT_MAX_DOCUMENT_BYTES: String(16 * 1024),
    NIGHTSHIFT_WEBHOOK_RETRY_SCHEDULE: '0s,1s',
    NIGHTSHIFT_HOT_RATE_PER_MIN: '100000',
    NIGHTSHIFT_HOT_BURST: '100000',
  });
  strict = await apiUnderTest(
    {
      NIGHTSHIFT_BATCH_RATE_PER_MIN: '1',
      NIGHTSHIFT_BATCH_BURST: '1',
      NIGHTSHIFT_HOT_RATE_PER_MIN: '1',
      NIGHTSHIFT_HOT_BURST: '1',
    },
    { hotAdmission: true },
  );
  hotWorker = hotEchoWorker(api.redis.url);
  const served = await api.app.request('/openapi.json');
  contract = new OpenApiContract((await served.json()) as OpenApiDocument);
  const mine = await api.postJson('/v1/batches', { documents: [{ text: 'mine' }] });
  batchId = ((await mine.json()) as { id: string }).id;
  const theirs = await api.postJson('/v1/batches', { documents: [{ text: 'x' }] }, 'globex-key');
  otherBatchId = ((await theirs.json()) as { id: string }).id;
});
afterAll(async () => {
  await hotWorker?.close();
  await Promise.all([api?.close(), strict?.close()]);
});

/** Checks the answer against the document and that it is the expected status. */
async function expectAnswer(operation: string, response: Response, status: number) {
  const text = await response.clone().text();
  expect(response.status, `${operation}: ${text.slice(0, 300)}`).toBe(status);
  return contract.check(operation, response);
}

const get = (path: string, key: string | null = 'acme-key', app = api.app) =>
  app.request(path, { headers: key ? { authorization: `Bearer ${key}` } : {} });
const send = (
  method: string,
  path: string,
  body?: string | FormData,
  type?: string,
  app = api.app,
) =>
  app.request(path, {
    method,
    headers: { ...api.auth(), ...(type ? { 'content-type': type } : {}) },
    ...(body === undefined ? {} : { body }),
  });
const json = (method: string, path: string, body: unknown) =>
  send(method, path, JSON.stringify(body), 'application/json');

describe('operations routes answer as documented', () => {
  it('GET /healthz, /readyz, /metrics, /openapi.json, /docs and its assets', async () => {
    await expectAnswer('GET /healthz', await get('/healthz', null), 200);
    await expectAnswer('GET /readyz', await get('/readyz', null), 200);
    const draining = healthRoutes({ isReady: async () => false });
    await expectAnswer('GET /readyz', await draining.request('/readyz'), 503);
    await expectAnswer('GET /metrics', await get('/metrics', null), 401);
    const metrics = await expectAnswer(
      'GET /metrics',
      await get('/metrics', testMetricsToken),
      200,
    );
    expect(metrics).toContain('nightshift_');
    await expectAnswer('GET /openapi.json', await get('/openapi.json', null), 200);
    await expectAnswer('GET /docs', await get('/docs', null), 200);
    await expectAnswer(
      'GET /docs/assets/{file}',
      await get('/docs/assets/swagger-ui.css', null),
      200,
    );
    await expectAnswer('GET /docs/assets/{file}', await get('/docs/assets/nope.js', null), 404);
  });
});

describe('batch routes answer as documented', () => {
  it('POST /v1/batches: JSON and multipart 202, 400, 401, 413, 415, 422, 429', async () => {
    const op = 'POST /v1/batches';
    await expectAnswer(op, await json('POST', '/v1/batches', { documents: [{ text: 'a' }] }), 202);
    const form = new FormData();
    form.append('file', new Blob(['plain text notes'], { type: 'text/plain' }), 'notes.txt');
    form.append('options', JSON.stringify({ summary: { maxWords: 50 } }));
    await expectAnswer(op, await send('POST', '/v1/batches', form), 202);
    await expectAnswer(op, await send('POST', '/v1/batches', '{', 'application/json'), 400);
    await expectAnswer(op, await api.app.request('/v1/batches', { method: 'POST' }), 401);
    const huge = JSON.stringify({ documents: [{ text: 'x'.repeat(80 * 1024) }] });
    await expectAnswer(op, await send('POST', '/v1/batches', huge, 'application/json'), 413);
    await expectAnswer(op, await send('POST', '/v1/batches', 'hello', 'text/plain'), 415);
    await expectAnswer(op, await json('POST', '/v1/batches', { documents: [] }), 422);
    const once = JSON.stringify({ documents: [{ text: 'a' }] });
    const submit = () => send('POST', '/v1/batches', once, 'application/json', strict.app);
    await expectAnswer(op, await submit(), 202);
    await expectAnswer(op, await submit(), 429);
  });

  it('GET /v1/batches: 200, 401, 422', async () => {
    await expectAnswer('GET /v1/batches', await get('/v1/batches?limit=2'), 200);
    await expectAnswer('GET /v1/batches', await get('/v1/batches', null), 401);
    await expectAnswer('GET /v1/batches', await get('/v1/batches?limit=0'), 422);
  });

  it('GET /v1/batches/{id}, its results (NDJSON) and POST …/cancel: 200 and 404', async () => {
    for (const [operation, path, method] of [
      ['GET /v1/batches/{id}', '', 'GET'],
      ['GET /v1/batches/{id}/results', '/results', 'GET'],
      ['POST /v1/batches/{id}/cancel', '/cancel', 'POST'],
    ] as const) {
      const answer = await expectAnswer(
        operation,
        await send(method, `/v1/batches/${batchId}${path}`),
        200,
      );
      if (path === '/results') expect(answer).toHaveLength(1);
      for (const id of [missingBatch, otherBatchId, 'not-an-id']) {
        await expectAnswer(operation, await send(method, `/v1/batches/${id}${path}`), 404);
      }
    }
  });
});

describe('summary, usage and worker routes answer as documented', () => {
  it('POST /v1/summaries: 200, 400, 401, 413, 422, 429, 503', async () => {
    const op = 'POST /v1/summaries';
    await expectAnswer(op, await json('POST', '/v1/summaries', { text: 'A short memo.' }), 200);
    await expectAnswer(op, await send('POST', '/v1/summaries', '{', 'application/json'), 400);
    await expectAnswer(op, await api.app.request('/v1/summaries', { method: 'POST' }), 401);
    const huge = JSON.stringify({ text: 'x'.repeat(200 * 1024) });
    await expectAnswer(op, await send('POST', '/v1/summaries', huge, 'application/json'), 413);
    await expectAnswer(op, await json('POST', '/v1/summaries', { text: 'a', pdf: 'QQ==' }), 422);
    const hot = () =>
      send('POST', '/v1/summaries', JSON.stringify({ text: 'x' }), 'application/json', strict.app);
    await expectAnswer(op, await hot(), 503); // no worker online on that Redis
    await expectAnswer(op, await hot(), 429);
  });

  it('GET /v1/usage: 200, 401, 422', async () => {
    const op = 'GET /v1/usage';
    await expectAnswer(op, await get('/v1/usage?from=2025-01-01&to=2025-01-03'), 200);
    await expectAnswer(op, await get('/v1/usage?from=2025-01-01', null), 401);
    await expectAnswer(op, await get('/v1/usage?from=yesterday'), 422);
  });

  it('GET /v1/workers: 200 with a live worker, 401', async () => {
    await api.fleet.publish(h200WorkerStatus());
    const answer = (await expectAnswer('GET /v1/workers', await get('/v1/workers'), 200)) as {
      data: unknown[];
    };
    expect(answer.data).toHaveLength(1);
    await expectAnswer('GET /v1/workers', await get('/v1/workers', null), 401);
  });
});

describe('schedule routes answer as documented', () => {
  it('create, list, get, change, runs and delete: successes and refusals', async () => {
    const body = {
      name: 'nightly',
      cron: '0 1 * * *',
      timezone: 'Europe/Berlin',
      source: { kind: 'inline', documents: [{ id: 'memo', text: 'The memo.' }] },
      batch: { summary: { maxWords: 80 } },
    };
    const create = 'POST /v1/schedules';
    const created = (await expectAnswer(
      create,
      await json('POST', '/v1/schedules', body),
      201,
    )) as {
      id: string;
    };
    await expectAnswer(create, await send('POST', '/v1/schedules', '{', 'application/json'), 400);
    await expectAnswer(create, await send('POST', '/v1/schedules', '{}', 'text/plain'), 415);
    await expectAnswer(create, await json('POST', '/v1/schedules', { ...body, cron: 'x' }), 422);
    const big = JSON.stringify({ ...body, name: 'x'.repeat(80 * 1024) });
    await expectAnswer(create, await send('POST', '/v1/schedules', big, 'application/json'), 413);
    await expectAnswer(create, await api.app.request('/v1/schedules', { method: 'POST' }), 401);

    await expectAnswer('GET /v1/schedules', await get('/v1/schedules'), 200);
    await expectAnswer('GET /v1/schedules', await get('/v1/schedules?limit=500'), 422);

    const one = 'GET /v1/schedules/{id}';
    await expectAnswer(one, await get(`/v1/schedules/${created.id}`), 200);
    await expectAnswer(one, await get(`/v1/schedules/${missingSchedule}`), 404);
    await expectAnswer(one, await get(`/v1/schedules/${created.id}`, 'globex-key'), 404);

    const change = 'PATCH /v1/schedules/{id}';
    const path = `/v1/schedules/${created.id}`;
    await expectAnswer(change, await json('PATCH', path, { enabled: false }), 200);
    await expectAnswer(change, await json('PATCH', path, { cron: 'never' }), 422);
    await expectAnswer(change, await send('PATCH', path, '{', 'application/json'), 400);
    await expectAnswer(change, await send('PATCH', path, '{}', 'text/plain'), 415);
    const missing = `/v1/schedules/${missingSchedule}`;
    await expectAnswer(change, await json('PATCH', missing, { enabled: true }), 404);

    await new ScheduleStore({ redis: api.client }).recordRun({
      object: 'schedule_run',
      scheduleId: created.id,
      fireTime: '2025-01-15T00:00:00.000Z',
      firedAt: '2025-01-15T00:00:00.250Z',
      status: 'submitted',
      batchId,
      documents: 1,
      errors: [],
      catchUp: false,
    });
    const runs = 'GET /v1/schedules/{id}/runs';
    const listed = (await expectAnswer(runs, await get(`${path}/runs`), 200)) as { data: [] };
    expect(listed.data).toHaveLength(1);
    await expectAnswer(runs, await get(`${missing}/runs`), 404);
    await expectAnswer(runs, await get(`${path}/runs?limit=0`), 422);

    const remove = 'DELETE /v1/schedules/{id}';
    await expectAnswer(remove, await send('DELETE', path), 204);
    await expectAnswer(remove, await send('DELETE', path), 404);
  });
});

describe('delivery and webhook routes answer as documented', () => {
  it('deliveries of a batch, one delivery, retry, replay: successes and refusals', async () => {
    const id = newWebhookId();
    const { deliveries } = api.webhooks;
    const url = 'https://hooks.example.com/in';
    await deliveries.open({
      id,
      tenant: 'acme',
      batchId,
      eventType: 'batch.completed',
      url,
      body: '{}',
    });
    const attempt = { at: new Date().toISOString(), url, status: 410, durationMs: 12 };
    await deliveries.recordAttempt(
      id,
      { ...attempt, error: 'http_410', response: 'gone' },
      { settle: 'failed', tenant: 'acme' },
    );
    await deliveries.disableUrl('acme', url, id);

    const list = 'GET /v1/batches/{id}/deliveries';
    const listed = (await expectAnswer(
      list,
      await get(`/v1/batches/${batchId}/deliveries`),
      200,
    )) as {
      data: unknown[];
    };
    expect(listed.data).toHaveLength(1);
    await expectAnswer(list, await get(`/v1/batches/${otherBatchId}/deliveries`), 404);

    const one = 'GET /v1/deliveries/{id}';
    await expectAnswer(one, await get(`/v1/deliveries/${id}`), 200);
    await expectAnswer(one, await get(`/v1/deliveries/${id}`, 'globex-key'), 404);

    const disabled = 'GET /v1/webhooks/disabled';
    const off = (await expectAnswer(disabled, await get('/v1/webhooks/disabled'), 200)) as {
      data: unknown[];
    };
    expect(off.data).toHaveLength(1);
    await expectAnswer(disabled, await get('/v1/webhooks/disabled', null), 401);

    const replay = 'POST /v1/deliveries/replay';
    const since = new Date(Date.now() - 60_000).toISOString();
    const replayed = (await expectAnswer(
      replay,
      await json('POST', '/v1/deliveries/replay', { since }),
      202,
    )) as { queued: string[] };
    expect(replayed.queued).toEqual([id]);
    await expectAnswer(
      replay,
      await send('POST', '/v1/deliveries/replay', '{', 'application/json'),
      400,
    );
    await expectAnswer(
      replay,
      await json('POST', '/v1/deliveries/replay', { since: 'today' }),
      422,
    );

    const retry = 'POST /v1/deliveries/{id}/retry';
    await expectAnswer(retry, await send('POST', `/v1/deliveries/${id}/retry`), 409); // queued by the replay
    const other = newWebhookId();
    await deliveries.open({
      id: other,
      tenant: 'acme',
      batchId,
      eventType: 'batch.completed',
      url,
      body: '{}',
    });
    await deliveries.settle(other, 'failed', 'acme');
    await expectAnswer(retry, await send('POST', `/v1/deliveries/${other}/retry`), 202);
    await expectAnswer(retry, await send('POST', `/v1/deliveries/${newWebhookId()}/retry`), 404);

    const enable = 'DELETE /v1/webhooks/disabled';
    const query = `?url=${encodeURIComponent(url)}`;
    await expectAnswer(enable, await send('DELETE', `/v1/webhooks/disabled${query}`), 204);
    await expectAnswer(enable, await send('DELETE', `/v1/webhooks/disabled${query}`), 404);
    await expectAnswer(enable, await send('DELETE', '/v1/webhooks/disabled'), 422);
  });

  it('GET /v1/webhook-secret and POST …/rotate: 200, 400, 401, 422', async () => {
    await expectAnswer('GET /v1/webhook-secret', await get('/v1/webhook-secret'), 200);
    await expectAnswer('GET /v1/webhook-secret', await get('/v1/webhook-secret', null), 401);
    const rotate = 'POST /v1/webhook-secret/rotate';
    await expectAnswer(rotate, await send('POST', '/v1/webhook-secret/rotate'), 200);
    await expectAnswer(
      rotate,
      await json('POST', '/v1/webhook-secret/rotate', { overlap: '1h' }),
      200,
    );
    await expectAnswer(
      rotate,
      await send('POST', '/v1/webhook-secret/rotate', '{', 'application/json'),
      400,
    );
    await expectAnswer(
      rotate,
      await json('POST', '/v1/webhook-secret/rotate', { overlap: '99d' }),
      422,
    );
    await expectAnswer('GET /v1/webhook-secret', await get('/v1/webhook-secret'), 200);
  });
});

describe('the contract check itself', () => {
  it('refuses a status the operation does not declare, and a body that breaks its schema', async () => {
    const check = new OpenApiContract(contract.document);
    const teapot = new Response('{}', {
      status: 418,
      headers: { 'content-type': 'application/json' },
    });
    await expect(check.check('GET /healthz', teapot)).rejects.toThrow(/does not declare/);
    const wrong = new Response(JSON.stringify({ status: 'fine' }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
    await expect(check.check('GET /healthz', wrong)).rejects.toThrow(/does not match/);
  });

  it('every documented operation was exercised, with a success and (where declared) an error', () => {
    const operations = contract.operations();
    expect(operations.length).toBeGreaterThanOrEqual(27);
    const gaps: string[] = [];
    for (const operation of operations) {
      const seen = [...(contract.seen.get(operation) ?? [])];
      const [method = '', path = ''] = operation.split(' ');
      const declared = Object.keys(
        contract.document.paths[path]?.[method.toLowerCase()]?.responses ?? {},
      );
      if (!seen.some((s) => s < 300)) gaps.push(`${operation}: no success`);
      if (declared.some((s) => Number(s) >= 400) && !seen.some((s) => s >= 400)) {
        gaps.push(`${operation}: no error`);
      }
    }
    expect(gaps).toEqual([]);
  });
});

import { newWebhookId } from '@nightshift/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

let api: Awaited<ReturnType<typeof apiUnderTest>>;
let batchId: string;
// Real `webhook-id`s: the routes refuse anything not shaped like one.
const listed = newWebhookId();
const retried = newWebhookId();

const attempt = (status: number) => ({
  at: new Date().toISOString(),
  url: 'https://hooks.example.com/in',
  status,
  durationMs: 40,
  error: `http_${status}`,
  response: 'nope',
});

async function seed(id: string, tenant: string, state: 'failed' | 'delivered' | 'gone') {
  const { deliveries } = api.webhooks;
  await deliveries.open({
    id,
    tenant,
    batchId,
    eventType: 'batch.completed',
    url: 'https://hooks.example.com/in',
    body: JSON.stringify({ type: 'batch.completed', id }),
  });
  await deliveries.recordAttempt(id, attempt(500), { settle: state, tenant });
}

beforeAll(async () => {
  api = await apiUnderTest({ NIGHTSHIFT_WEBHOOK_RETRY_SCHEDULE: '0s,1s' });
  const res = await api.postJson('/v1/batches', { documents: [{ text: 'hello there' }] });
  batchId = ((await res.json()) as { id: string }).id;
});
afterAll(async () => {
  await api.close();
});

describe('delivery log API', () => {
  it("lists every attempt of a batch's deliveries", async () => {
    await seed(listed, 'acme', 'failed');
    const res = await api.app.request(`/v1/batches/${batchId}/deliveries`, { headers: api.auth() });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Record<string, unknown>[] };
    expect(body.data[0]).toMatchObject({
      id: listed,
      object: 'delivery',
      state: 'failed',
      url: 'https://hooks.example.com/in',
      attempts: [{ status: 500, durationMs: 40, error: 'http_500', response: 'nope' }],
    });
    expect(body.data[0]).not.toHaveProperty('tenant');
  });

  it("answers 404 for another tenant's batch or delivery", async () => {
    const other = api.auth('globex-key');
    expect(
      (await api.app.request(`/v1/batches/${batchId}/deliveries`, { headers: other })).status,
    ).toBe(404);
    expect((await api.app.request(`/v1/deliveries/${listed}`, { headers: other })).status).toBe(
      404,
    );
    const retry = await api.postJson(`/v1/deliveries/${listed}/retry`, {}, 'globex-key');
    expect(retry.status).toBe(404);
    expect(retry.headers.get('content-type')).toBe('application/problem+json');
  });

  it('queues a retry under the same webhook-id, and refuses a second while it is pending', async () => {
    await seed(retried, 'acme', 'failed');
    const res = await api.postJson(`/v1/deliveries/${retried}/retry`, {});
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ id: retried, state: 'pending' });
    const job = await api.webhooks.outbox.queue.getJob(retried);
    expect(job?.data).toMatchObject({ deliveryId: retried, tenant: 'acme' });
    expect(JSON.parse(job?.data.body ?? '{}')).toEqual({
      type: 'batch.completed',
      id: retried,
    });
    const again = await api.postJson(`/v1/deliveries/${retried}/retry`, {});
    expect(again.status).toBe(409);
  });

  it("replays only this tenant's dead letters since the given time", async () => {
    await seed('msg_old', 'acme', 'failed');
    await new Promise((r) => setTimeout(r, 5));
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await seed('msg_new', 'acme', 'failed');
    await seed('msg_ok', 'acme', 'delivered');
    await seed('msg_theirs', 'globex', 'failed');
    const res = await api.postJson('/v1/deliveries/replay', { since });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ object: 'replay', queued: ['msg_new'], skipped: [] });
    expect(await api.webhooks.outbox.queue.getJob('msg_theirs')).toBeUndefined();
    expect(await api.webhooks.outbox.queue.getJob('msg_old')).toBeUndefined();
  });

  it('refuses a replay without a valid since', async () => {
    const res = await api.postJson('/v1/deliveries/replay', { since: 'yesterday' });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe('since');
    expect((await api.postJson('/v1/deliveries/replay', '{')).status).toBe(400);
  });

  it('lists the URLs a 410 disabled and switches one back on', async () => {
    const url = 'https://hooks.example.com/gone';
    await api.webhooks.deliveries.disableUrl('acme', url, 'msg_gone1');
    await api.webhooks.deliveries.disableUrl('globex', 'https://globex.example.com/in', 'msg_g');
    const list = async (key?: string) =>
      (await (
        await api.app.request('/v1/webhooks/disabled', { headers: api.auth(key) })
      ).json()) as { data: Record<string, unknown>[] };
    expect((await list()).data).toEqual([
      {
        object: 'disabled_webhook_url',
        url,
        disabledAt: expect.any(String),
        deliveryId: 'msg_gone1',
      },
    ]);
    const enable = (target: string | null, key?: string) =>
      api.app.request(
        `/v1/webhooks/disabled${target === null ? '' : `?url=${encodeURIComponent(target)}`}`,
        { method: 'DELETE', headers: api.auth(key) },
      );
    // Another tenant's disabled URL is not this key's to switch on.
    expect((await enable('https://globex.example.com/in')).status).toBe(404);
    expect((await enable(url)).status).toBe(204);
    expect((await list()).data).toEqual([]);
    expect(await api.webhooks.deliveries.disabledUrl('acme', url)).toBeNull();
    expect((await list('globex-key')).data).toHaveLength(1);
    const again = await enable(url);
    expect(again.status).toBe(404);
    expect(again.headers.get('content-type')).toBe('application/problem+json');
    const missing = await enable(null);
    expect(missing.status).toBe(422);
    expect(((await missing.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe(
      'url',
    );
  });
});

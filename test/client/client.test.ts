import {
  type Batch,
  createNightshiftClient,
  uploadBatch,
  verifyWebhook,
  WebhookVerificationError,
} from '@nightshift/client';
import { startWebhookReceiver, type WebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import { generateWebhookSecret, signWebhook } from '@nightshift/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpListener, listenHttp } from '../../apps/api/src/http-listener.ts';
import { apiUnderTest } from '../../apps/api/test-support/api-under-test.ts';
import {
  type NotifierHarness,
  notifierHarness,
} from '../../apps/notifier/test-support/notifier-harness.ts';

let api: Awaited<ReturnType<typeof apiUnderTest>>;
let listener: HttpListener;
let baseUrl: string;
beforeAll(async () => {
  api = await apiUnderTest();
  listener = await listenHttp({
    fetch: api.app.fetch,
    port: 0,
    host: '127.0.0.1',
    requestTimeoutMs: 30_000,
    headersTimeoutMs: 10_000,
  });
  baseUrl = `http://127.0.0.1:${listener.port}`;
});
afterAll(async () => {
  await new Promise((resolve) => listener.server.close(resolve));
  await api.close();
});

async function submitted(): Promise<Batch> {
  const client = createNightshiftClient({ baseUrl, apiKey: 'acme-key' });
  const { data, error, response } = await client.POST('/v1/batches', {
    body: { documents: [{ id: 'note', text: 'GPUs idle at night; batches wait for them.' }] },
  });
  expect(error).toBeUndefined();
  expect(response.status).toBe(202);
  if (!data) throw new Error('no batch');
  return data;
}

describe('@nightshift/client against the real API over HTTP', () => {
  it('submits a JSON batch, reads it back and lists it', async () => {
    const client = createNightshiftClient({ baseUrl: `${baseUrl}/`, apiKey: 'acme-key' });
    const batch = await submitted();
    expect(batch.id).toMatch(/^batch_/);
    expect(batch.counts.total).toBe(1);
    const read = await client.GET('/v1/batches/{id}', { params: { path: { id: batch.id } } });
    expect(read.data?.id).toBe(batch.id);
    const list = await client.GET('/v1/batches', { params: { query: { limit: 10 } } });
    expect(list.data?.data.map((b) => b.id)).toContain(batch.id);
  });

  it('uploads files as multipart, each part named by its file', async () => {
    const client = createNightshiftClient({ baseUrl, apiKey: 'acme-key' });
    const files = [
      new File(['First note about GPUs.'], 'a.txt', { type: 'text/plain' }),
      new File(['Second note about queues.'], 'b.txt', { type: 'text/plain' }),
    ];
    const { data, error } = await uploadBatch(client, {
      file: files,
      options: { summary: { style: 'bullets' } },
    });
    expect(error).toBeUndefined();
    expect(data?.counts.total).toBe(2);
    expect(data?.summary.style).toBe('bullets');
  });

  it('answers errors as the problem+json body, typed, never thrown', async () => {
    const client = createNightshiftClient({ baseUrl, apiKey: 'acme-key' });
    const missing = await client.GET('/v1/batches/{id}', {
      params: { path: { id: 'batch_doesnotexist0000000000' } },
    });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.status).toBe(404);
    expect(missing.data).toBeUndefined();
    const anonymous = createNightshiftClient({ baseUrl });
    const refused = await anonymous.GET('/v1/batches', {});
    expect(refused.response.status).toBe(401);
    expect(refused.error?.title).toBeTruthy();
    const health = await anonymous.GET('/healthz');
    expect(health.data).toEqual({ status: 'ok' });
  });
});

describe('verifyWebhook on a delivery the real notifier sent', () => {
  let h: NotifierHarness;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    h = await notifierHarness('0s');
    receiver = await startWebhookReceiver({ secret: h.defaultSecret });
    h.startSender({ timeoutMs: 2_000 });
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });

  it('returns the signed event, and refuses a tampered body, a wrong secret and a stale timestamp', async () => {
    const batch = await submitted();
    const event = { type: 'batch.completed', timestamp: new Date().toISOString(), data: batch };
    const id = await h.send(receiver.url, 'acme', event);
    await h.settled(id, 'delivered');
    const delivery = receiver.deliveries.find((d) => d.id === id);
    if (!delivery) throw new Error('not received');

    const verified = verifyWebhook({
      secrets: h.defaultSecret,
      payload: delivery.rawBody,
      headers: delivery.headers,
    });
    expect(verified.type).toBe('batch.completed');
    expect(verified.data).toMatchObject({ id: batch.id, status: batch.status });
    // During a rotation the receiver holds both secrets; the one that signed is enough.
    const other = generateWebhookSecret();
    expect(
      verifyWebhook({
        secrets: [other, h.defaultSecret],
        payload: delivery.rawBody,
        headers: new Headers(delivery.headers),
      }).type,
    ).toBe('batch.completed');

    const tampered = delivery.rawBody.replace(batch.id, 'batch_someoneelse000000000');
    expect(() =>
      verifyWebhook({ secrets: h.defaultSecret, payload: tampered, headers: delivery.headers }),
    ).toThrow(WebhookVerificationError);
    expect(() =>
      verifyWebhook({ secrets: other, payload: delivery.rawBody, headers: delivery.headers }),
    ).toThrow(WebhookVerificationError);
    const stale = signWebhook({
      secrets: [h.defaultSecret],
      id,
      timestamp: new Date(Date.now() - 10 * 60_000),
      body: delivery.rawBody,
    });
    expect(() =>
      verifyWebhook({ secrets: h.defaultSecret, payload: delivery.rawBody, headers: stale }),
    ).toThrow(/timestamp/i);
  });

  it('refuses a correctly signed body that is not a Nightshift event', () => {
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ type: 'invoice.paid', data: {} });
    const headers = signWebhook({ secrets: [secret], id: 'msg_x', timestamp: new Date(), body });
    expect(() => verifyWebhook({ secrets: secret, payload: body, headers })).toThrow(
      /not a Nightshift event/,
    );
    expect(() => verifyWebhook({ secrets: [], payload: body, headers })).toThrow(
      WebhookVerificationError,
    );
  });
});

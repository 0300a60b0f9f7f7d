import { startWebhookReceiver, type WebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchEvent } from './batch-event.ts';
import { deliverWebhook } from './deliver.ts';
import { createSafeDispatcher } from './safe-dispatcher.ts';
import { generateWebhookSecret, newWebhookId, signWebhook } from './signing.ts';
import { checkWebhookUrl } from './url-check.ts';

const secret = generateWebhookSecret();
// Tests talk to a loopback receiver, so loopback is opened the way an operator would: by CIDR.
const loopbackOk = createSafeDispatcher({ allowList: ['127.0.0.1/32'] });
const strict = createSafeDispatcher({ allowPrivate: false });

function signedAttempt(id = newWebhookId()) {
  const body = JSON.stringify(batchEvent('batch.completed', { id: 'batch_1' }));
  return { id, body, headers: signWebhook({ secrets: [secret], id, timestamp: new Date(), body }) };
}

let receiver: WebhookReceiver;
beforeEach(async () => {
  receiver = await startWebhookReceiver({ secret });
});
afterEach(async () => {
  await receiver.close();
});
afterAll(async () => {
  await Promise.all([loopbackOk.close(), strict.close()]);
});

describe('deliverWebhook', () => {
  it('delivers a signed event that the receiver verifies', async () => {
    const { id, body, headers } = signedAttempt();
    const outcome = await deliverWebhook({
      url: receiver.url,
      body,
      headers,
      dispatcher: loopbackOk,
    });
    expect(outcome).toMatchObject({
      ok: true,
      status: 200,
      decision: 'delivered',
      responseSnippet: 'ok',
    });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
    const [got] = await receiver.waitForDeliveries(1);
    expect(got).toMatchObject({ id, verified: true, body: { type: 'batch.completed' } });
    expect(got?.headers['content-type']).toBe('application/json');
  });

  it('counts a redirect as a failure and does not follow it, even to a private address', async () => {
    const target = await startWebhookReceiver({ secret });
    try {
      receiver.respondWith({ status: 302, headers: { location: target.url } });
      receiver.respondWith({ status: 307, headers: { location: 'http://169.254.169.254/latest' } });
      const { body, headers } = signedAttempt();
      const first = await deliverWebhook({
        url: receiver.url,
        body,
        headers,
        dispatcher: loopbackOk,
      });
      const second = await deliverWebhook({
        url: receiver.url,
        body,
        headers,
        dispatcher: loopbackOk,
      });
      expect(first).toMatchObject({ ok: false, status: 302, decision: 'retry' });
      expect(first.error).toBe(`redirect_not_followed: 302 to ${target.url}`);
      expect(second).toMatchObject({ ok: false, status: 307, decision: 'retry' });
      expect(target.deliveries).toHaveLength(0);
      expect(receiver.deliveries).toHaveLength(2);
    } finally {
      await target.close();
    }
  });

  it('stops on 410 Gone', async () => {
    receiver.respondWith({ status: 410, body: 'unsubscribed' });
    const { body, headers } = signedAttempt();
    const outcome = await deliverWebhook({
      url: receiver.url,
      body,
      headers,
      dispatcher: loopbackOk,
    });
    expect(outcome).toMatchObject({
      ok: false,
      status: 410,
      decision: 'gone',
      responseSnippet: 'unsubscribed',
    });
  });

  it('retries 429 and 503, honouring Retry-After in seconds or as an HTTP-date', async () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    receiver.respondWith({ status: 429, headers: { 'retry-after': '30' } });
    receiver.respondWith({ status: 503, headers: { 'retry-after': inAMinute } });
    receiver.respondWith(503);
    const { body, headers } = signedAttempt();
    const send = () => deliverWebhook({ url: receiver.url, body, headers, dispatcher: loopbackOk });
    const tooMany = await send();
    const busyUntil = await send();
    const busy = await send();
    expect(tooMany).toMatchObject({ status: 429, decision: 'retry', retryAfterMs: 30_000 });
    expect(busyUntil).toMatchObject({ status: 503, decision: 'retry' });
    // HTTP-dates have whole-second precision, so the wait lands within a second of 60 s.
    expect(busyUntil.retryAfterMs).toBeGreaterThan(55_000);
    expect(busyUntil.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(busy).toMatchObject({ status: 503, decision: 'retry', error: 'http_503' });
    expect(busy.retryAfterMs).toBeUndefined();
  });

  it('retries other 4xx and 5xx answers and keeps only the first bytes of the body', async () => {
    receiver.respondWith({ status: 500, body: 'x'.repeat(5000) });
    receiver.respondWith(400);
    const { body, headers } = signedAttempt();
    const send = () => deliverWebhook({ url: receiver.url, body, headers, dispatcher: loopbackOk });
    const serverError = await send();
    expect(serverError).toMatchObject({
      ok: false,
      status: 500,
      decision: 'retry',
      error: 'http_500',
    });
    expect(serverError.responseSnippet).toHaveLength(1024);
    expect(await send()).toMatchObject({ status: 400, decision: 'retry', error: 'http_400' });
  });

  it('times out against a slow receiver and asks for a retry', async () => {
    receiver.respondWith({ status: 200, delayMs: 5_000 });
    const { body, headers } = signedAttempt();
    const outcome = await deliverWebhook({
      url: receiver.url,
      body,
      headers,
      dispatcher: loopbackOk,
      timeoutMs: 200,
    });
    expect(outcome).toMatchObject({ ok: false, decision: 'retry', error: 'timeout after 200 ms' });
    expect(outcome.status).toBeUndefined();
  });

  it('retries while the receiver is down, then delivers the same id once it is up', async () => {
    const { id, body, headers } = signedAttempt();
    await receiver.down();
    const whileDown = await deliverWebhook({
      url: receiver.url,
      body,
      headers,
      dispatcher: loopbackOk,
    });
    expect(whileDown).toMatchObject({ ok: false, decision: 'retry' });
    expect(whileDown.error).toMatch(/^network: ECONNREFUSED/);
    await receiver.up();
    const again = signWebhook({ secrets: [secret], id, timestamp: new Date(), body });
    const afterUp = await deliverWebhook({
      url: receiver.url,
      body,
      headers: again,
      dispatcher: loopbackOk,
    });
    expect(afterUp.decision).toBe('delivered');
    expect(receiver.deliveredIds()).toEqual([id]);
  });
});

describe('connect-time SSRF check', () => {
  it('refuses a loopback IP literal when private targets are not allowed', async () => {
    const { body, headers } = signedAttempt();
    const outcome = await deliverWebhook({ url: receiver.url, body, headers, dispatcher: strict });
    expect(outcome).toMatchObject({ ok: false, decision: 'refused' });
    expect(outcome.error).toBe(
      'ssrf_blocked: 127.0.0.1 resolves to an address that is not allowed',
    );
    expect(receiver.deliveries).toHaveLength(0);
  });

  it('refuses by default when no dispatcher is given', async () => {
    const { body, headers } = signedAttempt();
    const outcome = await deliverWebhook({ url: receiver.url, body, headers });
    expect(outcome.decision).toBe('refused');
  });

  it('checks the address actually dialled, so a name that passed at submission but now resolves to loopback is refused (DNS rebinding)', async () => {
    const url = `http://localhost:${receiver.port}/hooks`;
    // At submission the name pointed at a public address...
    const submitted = await checkWebhookUrl(url, {
      lookup: async () => [{ address: '93.184.215.14', family: 4 }],
    });
    expect(submitted.ok).toBe(true);
    // ...at delivery the system resolver says 127.0.0.1.
    const { body, headers } = signedAttempt();
    const outcome = await deliverWebhook({ url, body, headers, dispatcher: strict });
    expect(outcome).toMatchObject({ decision: 'refused' });
    expect(outcome.error).toBe(
      'ssrf_blocked: localhost resolves to an address that is not allowed',
    );
    expect(receiver.deliveries).toHaveLength(0);
  });

  it('lets a loopback receiver through by allow-listed name or allowPrivate', async () => {
    const byName = createSafeDispatcher({ allowList: ['localhost'] });
    const open = createSafeDispatcher({ allowPrivate: true });
    try {
      const { body, headers } = signedAttempt();
      const url = `http://localhost:${receiver.port}/hooks`;
      expect((await deliverWebhook({ url, body, headers, dispatcher: byName })).decision).toBe(
        'delivered',
      );
      expect(
        (await deliverWebhook({ url: receiver.url, body, headers, dispatcher: open })).decision,
      ).toBe('delivered');
      expect(receiver.deliveries.every((d) => d.verified)).toBe(true);
    } finally {
      await Promise.all([byName.close(), open.close()]);
    }
  });
});

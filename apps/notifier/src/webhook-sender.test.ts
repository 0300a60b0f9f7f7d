import { startWebhookReceiver, type WebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type NotifierHarness, notifierHarness } from '../test-support/notifier-harness.ts';

let h: NotifierHarness;
let receiver: WebhookReceiver;

beforeAll(async () => {
  h = await notifierHarness('0s,200ms,400ms');
  receiver = await startWebhookReceiver({ secret: h.defaultSecret });
  h.startSender({ timeoutMs: 500 });
});
afterEach(() => receiver.reset());
afterAll(async () => {
  await receiver.close();
  await h.close();
});

describe('webhook sender', () => {
  it('delivers a Standard Webhooks request that the standardwebhooks library verifies', async () => {
    const id = await h.send(receiver.url);
    const [got] = await receiver.waitForDeliveries(1);
    expect(got?.verified).toBe(true);
    expect(got?.id).toBe(id);
    expect(got?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(got?.headers['content-type']).toBe('application/json');
    const log = await h.settled(id, 'delivered');
    expect(log.attempts).toHaveLength(1);
    expect(log.attempts[0]).toMatchObject({ url: receiver.url, status: 200, error: null });
    expect(log.attempts[0]?.response).toBe('ok');
  });

  it('retries while the receiver is down and delivers once it is back, under the same webhook-id', async () => {
    await receiver.down();
    const id = await h.send(receiver.url);
    // Wait until the first attempt has failed for real before bringing it back.
    for (let i = 0; i < 200 && ((await h.deliveries.get(id))?.attempts.length ?? 0) < 1; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await receiver.up();
    const log = await h.settled(id, 'delivered');
    expect(log.attempts.length).toBeGreaterThanOrEqual(2);
    expect(log.attempts[0]?.error).toMatch(/^network: ECONNREFUSED/);
    expect(receiver.deliveries.map((d) => d.id)).toEqual([id]);
    expect(receiver.deliveries[0]?.verified).toBe(true);
  });

  it('times out a slow receiver and retries with the same webhook-id and a fresh signature', async () => {
    receiver.respondWith({ status: 200, delayMs: 1_500 });
    const id = await h.send(receiver.url);
    const log = await h.settled(id, 'delivered');
    expect(log.attempts[0]?.error).toBe('timeout after 500 ms');
    expect(log.attempts.at(-1)?.status).toBe(200);
    expect(receiver.deliveries.map((d) => d.id)).toEqual([id, id]);
    expect(receiver.deliveries.every((d) => d.verified)).toBe(true);
  });

  it('counts a redirect as a failure and does not follow it', async () => {
    receiver.respondWith({ status: 302, headers: { location: 'http://169.254.169.254/latest' } });
    const id = await h.send(receiver.url);
    const log = await h.settled(id, 'delivered');
    expect(log.attempts[0]).toMatchObject({ status: 302 });
    expect(log.attempts[0]?.error).toMatch(/^redirect_not_followed: 302/);
    expect(receiver.deliveries.map((d) => d.path)).toEqual(['/hooks', '/hooks']);
  });

  it('honours Retry-After on 503 even when the schedule says sooner', async () => {
    receiver.respondWith({ status: 503, headers: { 'retry-after': '1' } });
    const id = await h.send(receiver.url);
    await h.settled(id, 'delivered');
    const [first, second] = receiver.deliveries;
    expect(second?.id).toBe(id);
    const gap = (second?.receivedAt.getTime() ?? 0) - (first?.receivedAt.getTime() ?? 0);
    // The schedule alone would retry after 200 ms; the receiver asked for a second.
    expect(gap).toBeGreaterThanOrEqual(950);
  });

  it('dead-letters a delivery once the schedule is spent, and replays it on request', async () => {
    const since = new Date();
    const deadLettersBefore = h.deadLetters();
    receiver.respondWith({ status: 500, body: 'boom' }, { times: 3 });
    const id = await h.send(receiver.url);
    const failed = await h.settled(id, 'failed');
    // The sender reports the dead letter (nightshift_webhook_dead_letters_total) once, at the end.
    await vi.waitFor(() => expect(h.deadLetters()).toBe(deadLettersBefore + 1));
    expect(failed.attempts.map((a) => a.status)).toEqual([500, 500, 500]);
    expect(failed.attempts[0]?.response).toBe('boom');
    expect(await h.deliveries.failedSince('acme', since)).toContain(id);

    const replay = await h.outbox.replayFailed('acme', since);
    expect(replay.queued).toEqual([id]);
    const delivered = await h.settled(id, 'delivered');
    expect(delivered.attempts).toHaveLength(4);
    expect(new Set(receiver.deliveries.map((d) => d.id))).toEqual(new Set([id]));
    expect(await h.deliveries.failedSince('acme', since)).not.toContain(id);
  });

  it('stops on 410, disables the URL for that tenant only, and re-enables it on an explicit retry', async () => {
    receiver.respondWith(410);
    const first = await h.send(receiver.url);
    const gone = await h.settled(first, 'gone');
    expect(gone.attempts).toHaveLength(1);
    expect(await h.deliveries.disabledUrl('acme', receiver.url)).toMatchObject({
      deliveryId: first,
    });

    const later = await h.send(receiver.url);
    const skipped = await h.settled(later, 'gone');
    expect(skipped.attempts[0]?.error).toMatch(/^url_disabled/);
    expect(receiver.deliveries).toHaveLength(1); // nothing more was sent

    const otherTenant = await h.send(receiver.url, 'globex');
    await h.settled(otherTenant, 'delivered');

    expect(await h.outbox.redeliver('acme', later)).toBe('queued');
    await h.settled(later, 'delivered');
    expect(await h.deliveries.disabledUrl('acme', receiver.url)).toBeNull();
  });

  it('signs with both secrets during a rotation overlap, each verifiable alone', async () => {
    const rotated = await h.secrets.rotate('rotating');
    const oldOnly = await startWebhookReceiver({ secret: h.defaultSecret });
    const newOnly = await startWebhookReceiver({ secret: rotated.secret });
    try {
      await h.send(oldOnly.url, 'rotating');
      await h.send(newOnly.url, 'rotating');
      const [a] = await oldOnly.waitForDeliveries(1);
      const [b] = await newOnly.waitForDeliveries(1);
      expect(a?.verified).toBe(true);
      expect(b?.verified).toBe(true);
      expect(b?.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    } finally {
      await oldOnly.close();
      await newOnly.close();
    }
  });
});

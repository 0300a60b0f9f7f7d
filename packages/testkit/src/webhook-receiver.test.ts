import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const otherSecret = `whsec_${randomBytes(32).toString('base64')}`;

function signed(id: string, body: string, key = secret): Record<string, string> {
  const now = new Date();
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': new Webhook(key).sign(id, now, body),
  };
}

async function post(url: string, id: string, body = '{"type":"batch.completed"}', key = secret) {
  return fetch(url, { method: 'POST', headers: signed(id, body, key), body, redirect: 'manual' });
}

let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('startWebhookReceiver', () => {
  it('records and verifies a signed delivery with the standardwebhooks library', async () => {
    receiver = await startWebhookReceiver({ secret });
    const res = await post(receiver.url, 'msg_1');
    expect(res.status).toBe(200);
    const [d] = await receiver.waitForDeliveries(1);
    expect(d).toMatchObject({
      id: 'msg_1',
      verified: true,
      body: { type: 'batch.completed' },
      rawBody: '{"type":"batch.completed"}',
      method: 'POST',
      path: '/hooks',
      status: 200,
    });
    expect(d?.timestamp).toBeGreaterThan(0);
    expect(d?.receivedAt).toBeInstanceOf(Date);
  });

  it('refuses a wrong signature and accepts any of several secrets', async () => {
    receiver = await startWebhookReceiver({ secret: [otherSecret, secret] });
    await post(receiver.url, 'msg_a');
    await post(receiver.url, 'msg_b', '{}', `whsec_${randomBytes(32).toString('base64')}`);
    const [good, bad] = await receiver.waitForDeliveries(2);
    expect(good?.verified).toBe(true);
    expect(bad?.verified).toBe(false);
    expect(bad?.verifyError).toMatch(/signature/i);
  });

  it('answers from the programmed queue, in order, then 200', async () => {
    receiver = await startWebhookReceiver({ secret });
    receiver.respondWith({ status: 503, headers: { 'retry-after': '7' } }, { times: 2 });
    receiver.respondWith({ status: 302, headers: { location: 'http://127.0.0.1:1/x' } });
    receiver.respondWith(410);
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await post(receiver.url, 'msg_q'));
    expect(answers.map((r) => r.status)).toEqual([503, 503, 302, 410, 200]);
    expect(answers[0]?.headers.get('retry-after')).toBe('7');
    expect(answers[2]?.headers.get('location')).toBe('http://127.0.0.1:1/x');
    expect(receiver.uniqueDeliveries()).toHaveLength(1);
    expect(receiver.deliveredIds()).toEqual(['msg_q']);
  });

  it('holds a delayed answer before responding', async () => {
    receiver = await startWebhookReceiver({ secret });
    receiver.respondWith({ status: 201, body: { slow: true }, delayMs: 150 });
    const res = await post(receiver.url, 'msg_slow');
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ slow: true });
  });

  it('goes down and comes back up on the same port', async () => {
    receiver = await startWebhookReceiver({ secret });
    const { url, port } = receiver;
    await receiver.down();
    await expect(post(url, 'msg_down')).rejects.toThrow();
    await receiver.up();
    expect(receiver.port).toBe(port);
    expect((await post(url, 'msg_down')).status).toBe(200);
    expect(receiver.deliveredIds()).toEqual(['msg_down']);
  });

  it('rejects waitForDeliveries on timeout and forgets on reset', async () => {
    receiver = await startWebhookReceiver();
    await post(receiver.url, 'msg_x');
    await expect(receiver.waitForDeliveries(2, 100)).rejects.toThrow(/expected 2 deliveries/);
    expect(receiver.deliveries[0]?.verified).toBe(false);
    receiver.reset();
    expect(receiver.deliveries).toHaveLength(0);
  });
});

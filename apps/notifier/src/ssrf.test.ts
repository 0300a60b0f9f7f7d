import { startWebhookReceiver, type WebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NotifierHarness, notifierHarness } from '../test-support/notifier-harness.ts';

let h: NotifierHarness;
let receiver: WebhookReceiver;

beforeAll(async () => {
  h = await notifierHarness('0s,100ms');
  receiver = await startWebhookReceiver({ secret: h.defaultSecret });
});
afterAll(async () => {
  await receiver.close();
  await h.close();
});

describe('SSRF defence at delivery time', () => {
  it('refuses private, loopback, link-local and IPv4-mapped targets, with nothing sent', async () => {
    h.startSender({ allowPrivate: false, allowList: [] });
    const port = receiver.port;
    const targets = [
      `http://127.0.0.1:${port}/hooks`, // loopback literal
      `http://localhost:${port}/hooks`, // a name that resolves to loopback
      `http://[::ffff:127.0.0.1]:${port}/hooks`, // IPv4-mapped IPv6
      `http://[::1]:${port}/hooks`,
      'http://10.0.0.1/hooks',
      'http://192.168.1.1/hooks',
      'http://100.64.0.1/hooks', // carrier-grade NAT
      'http://169.254.169.254/latest/meta-data', // cloud metadata
      'http://224.0.0.1/hooks', // multicast
    ];
    const ids = await Promise.all(targets.map((url) => h.send(url)));
    for (const [i, id] of ids.entries()) {
      const log = await h.settled(id);
      expect(log.state, targets[i]).toBe('failed');
      // One attempt: a refusal is final, retrying cannot change the address.
      expect(log.attempts, targets[i]).toHaveLength(1);
      // The tenant reads this log: it says the address was refused, never which one.
      expect(log.attempts[0]?.error, targets[i]).toMatch(
        /^ssrf_blocked: \S+ resolves to an address that is not allowed$/,
      );
      if (targets[i]?.includes('localhost')) expect(log.attempts[0]?.error).not.toMatch(/127|::1/);
    }
    expect(receiver.deliveries).toHaveLength(0);
    await h.stopWorkers();
  });

  it('lets an allow-listed loopback receiver through, but never follows its redirect to a private address', async () => {
    h.startSender({ allowPrivate: false, allowList: ['127.0.0.1/32'] });
    const ok = await h.send(receiver.url);
    await h.settled(ok, 'delivered');
    expect(receiver.deliveries[0]?.verified).toBe(true);

    receiver.respondWith(
      { status: 307, headers: { location: 'http://10.0.0.1/steal' } },
      { times: 2 },
    );
    const redirected = await h.send(receiver.url);
    const log = await h.settled(redirected, 'failed');
    expect(log.attempts.map((a) => a.error)).toEqual([
      'redirect_not_followed: 307 to http://10.0.0.1/steal',
      'redirect_not_followed: 307 to http://10.0.0.1/steal',
    ]);
    expect(receiver.deliveries.every((d) => d.path === '/hooks')).toBe(true);
    await h.stopWorkers();
  });
});

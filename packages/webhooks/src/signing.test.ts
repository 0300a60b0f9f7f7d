import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, newWebhookId, signWebhook } from './signing.ts';

describe('signWebhook', () => {
  const body = '{"type":"batch.completed","timestamp":"2025-01-01T00:00:00.000Z","data":{}}';

  it('produces headers the standardwebhooks library verifies', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook({ secrets: [secret], id: 'msg_1', timestamp: new Date(), body });
    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('sends one signature per secret during a rotation, each verifiable alone', () => {
    const [oldSecret, newSecret] = [generateWebhookSecret(), generateWebhookSecret()];
    const now = Math.floor(Date.now() / 1000);
    const headers = signWebhook({
      secrets: [newSecret, oldSecret],
      id: 'msg_2',
      timestamp: now,
      body,
    });
    expect(headers['webhook-timestamp']).toBe(String(now));
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('signs a changed body differently', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook({ secrets: [secret], id: 'msg_3', timestamp: new Date(), body });
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow(/signature/i);
  });

  it('refuses to sign without a secret', () => {
    expect(() => signWebhook({ secrets: [], id: 'msg_4', timestamp: new Date(), body })).toThrow(
      RangeError,
    );
  });
});

describe('generateWebhookSecret', () => {
  it('is whsec_ + base64 of the asked number of random bytes', () => {
    const secret = generateWebhookSecret(24);
    expect(secret).toMatch(/^whsec_/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(24);
    expect(Buffer.from(generateWebhookSecret().slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(generateWebhookSecret());
    expect(() => generateWebhookSecret(8)).toThrow(RangeError);
  });
});

describe('newWebhookId', () => {
  it('makes unique msg_ ids that sort by creation time', () => {
    const ids = Array.from({ length: 100 }, () => newWebhookId());
    expect(new Set(ids).size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^msg_[0-9a-v]{26}$/);
    expect(newWebhookId(1_000) < newWebhookId(2_000)).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

const defaultSecret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
let api: Awaited<ReturnType<typeof apiUnderTest>>;

beforeAll(async () => {
  api = await apiUnderTest({ NIGHTSHIFT_WEBHOOK_SECRET: defaultSecret });
});
afterAll(async () => {
  await api.close();
});

const info = async (key = 'acme-key') => {
  const res = await api.app.request('/v1/webhook-secret', { headers: api.auth(key) });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown> & {
    previous: null | Record<string, string>;
  };
};

describe('webhook secret API', () => {
  it('shows the default secret as metadata only', async () => {
    const body = await info();
    expect(body).toMatchObject({
      object: 'webhook_secret',
      source: 'default',
      configured: true,
      previous: null,
    });
    expect(JSON.stringify(body)).not.toContain(defaultSecret);
  });

  it('rotates: returns the new secret once, then shows both with the overlap end', async () => {
    const res = await api.postJson('/v1/webhook-secret/rotate', {});
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const rotated = (await res.json()) as { secret: string; previousExpiresAt: string };
    expect(rotated.secret).toMatch(/^whsec_/);
    const hours = (Date.parse(rotated.previousExpiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);

    const body = await info();
    expect(body.source).toBe('tenant');
    expect(body.previous?.expiresAt).toBe(rotated.previousExpiresAt);
    expect(JSON.stringify(body)).not.toContain(rotated.secret);
    expect(JSON.stringify(body)).not.toContain(defaultSecret);
    expect(await api.webhooks.secrets.secretsFor('acme')).toEqual([rotated.secret, defaultSecret]);
    // Another tenant is untouched.
    expect((await info('globex-key')).source).toBe('default');
  });

  it('takes an overlap, 0s ending the old secret at once, and refuses a bad one', async () => {
    const res = await api.postJson('/v1/webhook-secret/rotate', { overlap: '0s' }, 'globex-key');
    const rotated = (await res.json()) as { secret: string };
    expect(await api.webhooks.secrets.secretsFor('globex')).toEqual([rotated.secret]);
    expect((await info('globex-key')).previous).toBeNull();
    const bad = await api.postJson('/v1/webhook-secret/rotate', { overlap: 'a while' });
    expect(bad.status).toBe(422);
    const tooLong = await api.postJson('/v1/webhook-secret/rotate', { overlap: '90d' });
    expect(tooLong.status).toBe(422);
  });

  it('needs a key', async () => {
    expect((await api.app.request('/v1/webhook-secret')).status).toBe(401);
  });
});

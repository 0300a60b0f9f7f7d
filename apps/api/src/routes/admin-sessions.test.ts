import { createHash } from 'node:crypto';
import { keyPrefix } from '@nightshift/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

const adminKey = 'admin-key-0123456789abcdef';
const own = 'http://localhost';
let api: Awaited<ReturnType<typeof apiUnderTest>>;

beforeAll(async () => {
  api = await apiUnderTest({
    NIGHTSHIFT_ADMIN_KEY: adminKey,
    NIGHTSHIFT_ADMIN_SESSION_TTL_S: '600',
  });
});
afterAll(async () => {
  await api?.close();
});

async function signIn(target = api, headers: Record<string, string> = {}) {
  const res = await target.app.request('/admin/login', {
    method: 'POST',
    headers: { origin: own, ...headers },
    body: new URLSearchParams({ key: adminKey }),
  });
  expect(res.status).toBe(303);
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { setCookie, cookie: setCookie.split(';')[0] as string };
}
const keysWith = (cookie: string, target = api) =>
  target.app.request('/admin/keys', { headers: { cookie } });
const sessionKey = (cookie: string) =>
  `${keyPrefix}:admin:session:${createHash('sha256')
    .update(cookie.split('=')[1] as string)
    .digest('hex')}`;

describe('admin sessions', () => {
  it('gives every sign-in its own random session id, never the key or a value derived from it alone', async () => {
    const first = await signIn();
    const second = await signIn();
    expect(first.cookie).not.toBe(second.cookie);
    // 32 random bytes as base64url: 256 bits.
    expect(first.cookie).toMatch(/^nightshift_admin=[A-Za-z0-9_-]{43}$/);
    expect(first.setCookie).not.toContain(adminKey);
    expect(first.setCookie).toMatch(/HttpOnly/);
    expect(first.setCookie).toMatch(/SameSite=Strict/);
    expect(first.setCookie).toMatch(/Max-Age=600/);
    expect((await keysWith(first.cookie)).status).toBe(200);
    expect((await keysWith(second.cookie)).status).toBe(200);
  });

  it('ends the session at sign-out: the old cookie gets 401, other sessions live on', async () => {
    const kept = await signIn();
    const ended = await signIn();
    // GET /admin/logout only shows the button; it changes nothing.
    const page = await api.app.request('/admin/logout', { headers: { cookie: ended.cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post" action="/admin/logout">');
    expect((await keysWith(ended.cookie)).status).toBe(200);

    const forged = await api.app.request('/admin/logout', {
      method: 'POST',
      headers: { cookie: ended.cookie, origin: 'http://localhost:5173' },
    });
    expect(forged.status).toBe(403);
    expect((await keysWith(ended.cookie)).status).toBe(200);

    const out = await api.app.request('/admin/logout', {
      method: 'POST',
      headers: { cookie: ended.cookie, origin: own },
    });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/admin/login');
    expect(out.headers.get('set-cookie')).toMatch(/nightshift_admin=;.*Max-Age=0/);
    const after = await keysWith(ended.cookie);
    expect(after.status).toBe(401);
    expect(after.headers.get('content-type')).toBe('application/problem+json');
    // A browser holding the dead cookie is sent back to the sign-in form.
    const dashboard = await api.app.request('/admin', {
      headers: { cookie: ended.cookie, accept: 'text/html' },
    });
    expect(dashboard.status).toBe(303);
    expect(dashboard.headers.get('location')).toBe('/admin/login');
    expect((await keysWith(kept.cookie)).status).toBe(200);
  });

  it('expires sessions in Redis after NIGHTSHIFT_ADMIN_SESSION_TTL_S', async () => {
    const { cookie } = await signIn();
    const key = sessionKey(cookie);
    const ttl = await api.client.ttl(key);
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    // Let Redis expire it now rather than in ten minutes.
    await api.client.pexpire(key, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await keysWith(cookie)).status).toBe(401);
  });

  it('ends every session when NIGHTSHIFT_ADMIN_KEY is rotated', async () => {
    const { cookie } = await signIn();
    const rotated = await apiUnderTest(
      { NIGHTSHIFT_ADMIN_KEY: 'rotated-admin-key-0123456789' },
      { redisUrl: api.redis.url },
    );
    try {
      expect((await keysWith(cookie)).status).toBe(200);
      expect((await keysWith(cookie, rotated)).status).toBe(401);
    } finally {
      await rotated.close();
    }
  });

  it('marks the cookie Secure over HTTPS (auto), always (true) or never (false)', async () => {
    expect((await signIn()).setCookie).not.toMatch(/Secure/);
    const behindTls = await signIn(api, {
      origin: 'https://localhost',
      'x-forwarded-proto': 'https',
    });
    expect(behindTls.setCookie).toMatch(/; Secure/);
    for (const [setting, secure] of [
      ['true', true],
      ['false', false],
    ] as const) {
      const other = await apiUnderTest(
        { NIGHTSHIFT_ADMIN_KEY: adminKey, NIGHTSHIFT_ADMIN_COOKIE_SECURE: setting },
        { redisUrl: api.redis.url },
      );
      try {
        const { setCookie } = await signIn(other, {
          origin: 'https://localhost',
          'x-forwarded-proto': 'https',
        });
        expect(/; Secure/.test(setCookie), setting).toBe(secure);
      } finally {
        await other.close();
      }
    }
  });
});

import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

const adminKey = 'admin-key-0123456789abcdef';
let api: Awaited<ReturnType<typeof apiUnderTest>>;
let server: ServerType;
let port: number;

beforeAll(async () => {
  api = await apiUnderTest({
    NIGHTSHIFT_ADMIN_KEY: adminKey,
    NIGHTSHIFT_ADMIN_LOGIN_FAILURES_PER_MIN: '3',
    NIGHTSHIFT_ADMIN_LOGIN_FAILURES_GLOBAL_PER_MIN: '8',
  });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: api.app.fetch, port: 0, hostname: '0.0.0.0' }, () => resolve(s));
  });
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await api?.close();
});

interface Answer {
  status: number;
  retryAfter: string | undefined;
  contentType: string | undefined;
}

/** A real HTTP request from one loopback address (all of 127/8 is this host's). */
function from(
  address: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        localAddress: address,
        method: init.method ?? 'GET',
        headers: init.headers,
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'],
            contentType: res.headers['content-type'],
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

const signIn = (address: string, key: string) =>
  from(address, '/admin/login', {
    method: 'POST',
    headers: {
      origin: `http://127.0.0.1:${port}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ key }).toString(),
  });
const bearer = (address: string, key: string, headers: Record<string, string> = {}) =>
  from(address, '/admin/keys', { headers: { authorization: `Bearer ${key}`, ...headers } });

describe('failed admin sign-ins are throttled per client address and globally', () => {
  it('answers 429 + Retry-After after N wrong keys from one address, even for the right key', async () => {
    for (let i = 0; i < 3; i++) expect((await signIn('127.0.0.2', 'wrong-key')).status).toBe(401);
    const throttled = await signIn('127.0.0.2', 'wrong-key');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(throttled.retryAfter)).toBeLessThanOrEqual(60);
    // The right key cannot be confirmed while throttled: the answer does not depend on it.
    expect((await signIn('127.0.0.2', adminKey)).status).toBe(429);
    // Nor through the Bearer door, nor by claiming another address in X-Forwarded-For.
    const viaBearer = await bearer('127.0.0.2', adminKey, { 'x-forwarded-for': '203.0.113.9' });
    expect(viaBearer.status).toBe(429);
    expect(viaBearer.contentType).toBe('application/problem+json');
    // Another address is not held up by this one.
    expect((await signIn('127.0.0.3', adminKey)).status).toBe(303);
  });

  it('counts wrong Bearer admin keys on /admin API calls the same way', async () => {
    for (let i = 0; i < 3; i++) expect((await bearer('127.0.0.4', 'wrong-key')).status).toBe(401);
    const throttled = await bearer('127.0.0.4', 'wrong-key');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await bearer('127.0.0.5', adminKey)).status).toBe(200);
  });

  it('stops everyone once the global budget is spent, whatever the address', async () => {
    // 3 + 3 failures above; two more from fresh addresses spend the global 8.
    expect((await bearer('127.0.0.6', 'wrong-key')).status).toBe(401);
    expect((await signIn('127.0.0.7', 'wrong-key')).status).toBe(401);
    const fresh = await signIn('127.0.0.8', adminKey);
    expect(fresh.status).toBe(429);
    expect(fresh.retryAfter).toBeDefined();
  });
});

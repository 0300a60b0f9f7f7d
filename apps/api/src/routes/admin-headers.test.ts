import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

const adminKey = 'admin-key-0123456789abcdef';
const admin = { authorization: `Bearer ${adminKey}` };
let api: Awaited<ReturnType<typeof apiUnderTest>>;

beforeAll(async () => {
  api = await apiUnderTest({ NIGHTSHIFT_ADMIN_KEY: adminKey });
});
afterAll(async () => {
  await api?.close();
});

const directives = (csp: string | null) =>
  new Map(
    (csp ?? '')
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...values]) => [name as string, values]),
  );

function expectBaseHeaders(res: Response, path: string) {
  expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
  expect(res.headers.get('x-frame-options'), path).toBe('DENY');
  expect(res.headers.get('referrer-policy'), path).toBe('same-origin');
}

describe('security headers', () => {
  it('sends nosniff, X-Frame-Options DENY and Referrer-Policy on every response', async () => {
    for (const [path, headers] of [
      ['/healthz', {}],
      ['/openapi.json', {}],
      ['/docs', {}],
      ['/docs/assets/swagger-ui-bundle.js', {}],
      ['/v1/batches', api.auth()],
      ['/v1/batches', {}],
      ['/no-such-route', {}],
      ['/admin/keys', admin],
      ['/admin/keys', {}],
    ] as const) {
      expectBaseHeaders(await api.app.request(path, { headers }), path);
    }
  });

  it('gives the dashboard, sign-in and sign-out pages a script-free CSP with a style nonce', async () => {
    for (const [path, headers] of [
      ['/admin', admin],
      ['/admin/login', {}],
      ['/admin/logout', {}],
    ] as const) {
      const res = await api.app.request(path, { headers });
      expect(res.status, path).toBe(200);
      expectBaseHeaders(res, path);
      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp.get('default-src'), path).toEqual(["'none'"]);
      expect(csp.get('frame-ancestors'), path).toEqual(["'none'"]);
      expect(csp.get('form-action'), path).toEqual(["'self'"]);
      expect(csp.has('script-src'), path).toBe(false);
      const [nonce] = csp.get('style-src') ?? [];
      expect(nonce, path).toMatch(/^'nonce-[A-Za-z0-9+/=]{16,}'$/);
      const page = await res.text();
      expect(page, path).toContain(`<style nonce="${nonce?.slice(7, -1)}">`);
      // The CSP allows no style attributes and no script; the pages use neither.
      expect(page, path).not.toMatch(/\sstyle=|<script/);
    }
    const again = await api.app.request('/admin/login');
    const first = await api.app.request('/admin/login');
    expect(again.headers.get('content-security-policy')).not.toBe(
      first.headers.get('content-security-policy'),
    );
  });

  it('gives Bull Board a CSP that keeps scripts to its own origin', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
      const res = await api.app.request(path, { headers: admin });
      expect(res.status, path).toBe(200);
      expectBaseHeaders(res, path);
      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp.get('script-src'), path).toEqual(["'self'"]);
      expect(csp.get('frame-ancestors'), path).toEqual(["'none'"]);
      expect(csp.get('object-src'), path).toEqual(["'none'"]);
      expect(csp.get('connect-src'), path).toEqual(["'self'"]);
    }
  });

  it('keeps the CSP of /docs, now with nosniff', async () => {
    const res = await api.app.request('/docs');
    expectBaseHeaders(res, '/docs');
    const csp = directives(res.headers.get('content-security-policy'));
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('answers unauthenticated /admin requests with the headers too', async () => {
    const res = await api.app.request('/admin/queues');
    expect(res.status).toBe(401);
    expectBaseHeaders(res, '/admin/queues');
    expect(directives(res.headers.get('content-security-policy')).get('default-src')).toEqual([
      "'none'",
    ]);
  });
});

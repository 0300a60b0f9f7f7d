import { createHash } from 'node:crypto';
import { CallLedger } from '@nightshift/accounting';
import { keyPrefix } from '@nightshift/core';
import { ApiKeyStore } from '@nightshift/tenants';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

const own = 'http://localhost';
let api: Awaited<ReturnType<typeof apiUnderTest>>;
let acmeBatch: string;
let globexBatch: string;

beforeAll(async () => {
  api = await apiUnderTest({
    NIGHTSHIFT_TENANT_SESSION_TTL_S: '900',
    NIGHTSHIFT_TENANT_LOGIN_FAILURES_PER_MIN: '3',
  });
  const submit = async (key: string, ids: string[]) => {
    const res = await api.postJson(
      '/v1/batches',
      { documents: ids.map((id) => ({ id, text: `The ${id} report.` })) },
      key,
    );
    return ((await res.json()) as { id: string }).id;
  };
  acmeBatch = await submit('acme-key', ['alpha', 'beta']);
  globexBatch = await submit('globex-key', ['secret']);
  await api.store.moveDocument(acmeBatch, 'alpha', 'running');
  await api.store.moveDocument(acmeBatch, 'alpha', 'succeeded', {
    documentId: 'alpha',
    status: 'succeeded',
    summary: 'Alpha, briefly.',
    model: 'qwen3:32b',
    usage: { promptTokens: 120, completionTokens: 30 },
  });
});
afterAll(async () => {
  await api?.close();
});

/** The sign-in form: its CSRF cookie and the token in its hidden field. */
async function openLoginForm() {
  const res = await api.app.request('/tenant/login');
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  expect(setCookie).toMatch(/HttpOnly/);
  expect(setCookie).toMatch(/SameSite=Strict/);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await res.text())?.[1] ?? '';
  return { cookie: setCookie.split(';')[0] as string, csrf };
}

function postLogin(body: Record<string, string>, headers: Record<string, string>) {
  return api.app.request('/tenant/login', {
    method: 'POST',
    headers: { origin: own, ...headers },
    body: new URLSearchParams(body),
  });
}

async function signIn(key = 'acme-key') {
  const form = await openLoginForm();
  const res = await postLogin({ key, csrf: form.csrf }, { cookie: form.cookie });
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/tenant');
  const session = res.headers.getSetCookie().find((c) => c.startsWith('nightshift_tenant='));
  expect(session).toBeDefined();
  const cookie = (session as string).split(';')[0] as string;
  const page = await api.app.request('/tenant', { headers: { cookie } });
  const html = await page.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return { setCookie: session as string, cookie, csrf, page, html };
}

describe('the tenant page', () => {
  it('sends a visitor without a session to the sign-in form, under the strict CSP', async () => {
    const res = await api.app.request('/tenant');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/tenant/login');
    const form = await api.app.request('/tenant/login');
    const csp = form.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await form.text();
    expect(html).not.toContain('<script');
    expect(html).not.toMatch(/\sstyle="/);
    expect(html).toContain('name="key"');
  });

  it("signs in with an API key and lists that tenant's batches only, with progress", async () => {
    const session = await signIn();
    expect(session.cookie).toMatch(/^nightshift_tenant=[A-Za-z0-9_-]{43}$/);
    expect(session.setCookie).toMatch(/HttpOnly/);
    expect(session.setCookie).toMatch(/SameSite=Strict/);
    expect(session.setCookie).toMatch(/Path=\/tenant/);
    expect(session.setCookie).toMatch(/Max-Age=900/);
    expect(session.setCookie).not.toContain('acme-key');
    expect(session.page.status).toBe(200);
    expect(session.page.headers.get('cache-control')).toBe('no-store');
    expect(session.html).toContain(`data-batch="${acmeBatch}"`);
    expect(session.html).not.toContain(globexBatch);
    expect(session.html).toMatch(/class="num progress">1 \/ 2</);
    expect(session.html).toContain('<span class="w-50"></span>');
    expect(session.html).toContain('signed in as <strong class="tenant-name">acme</strong>');
    // Redis holds the id's digest only.
    const id = session.cookie.split('=')[1] as string;
    const stored = await api.client.keys(`${keyPrefix}:tenant-session:*`);
    expect(stored).toContain(
      `${keyPrefix}:tenant-session:${createHash('sha256').update(id).digest('hex')}`,
    );
    expect(stored.some((key) => key.includes(id))).toBe(false);
    expect(JSON.stringify(await Promise.all(stored.map((k) => api.client.get(k))))).not.toContain(
      'acme-key',
    );
  });

  it('shows each batch’s GPU time, and energy as a dash where no server measures it', async () => {
    const ledger = new CallLedger({ redis: api.client });
    const call = { tenant: 'acme', lane: 'cold' as const, model: 'qwen3:32b', server: 'gpu-a' };
    const at = Date.now() - 60_000;
    const id = await ledger.callStarted({ ...call, batchId: acmeBatch, documentId: 'alpha' }, at);
    await ledger.callEnded(call.server, id, at + 42_000, acmeBatch);
    const { html } = await signIn();
    const row = html.slice(html.indexOf(`data-batch="${acmeBatch}"`));
    expect(row).toMatch(/class="num gpu-time">42 s</);
    expect(row).toMatch(/class="num energy">—</);
  });

  it('downloads the results as the NDJSON of /v1; another tenant’s batch is a 404 page', async () => {
    const { cookie } = await signIn();
    const res = await api.app.request(`/tenant/batches/${acmeBatch}/results`, {
      headers: { cookie },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="${acmeBatch}.ndjson"`,
    );
    const viaApi = await api.app.request(`/v1/batches/${acmeBatch}/results`, {
      headers: api.auth('acme-key'),
    });
    const body = await res.text();
    expect(body).toBe(await viaApi.text());
    expect(
      body
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).documentId),
    ).toEqual(['alpha', 'beta']);

    for (const path of [
      `/tenant/batches/${globexBatch}/results`,
      '/tenant/batches/batch_not-an-id:documents/results',
    ]) {
      const refused = await api.app.request(path, { headers: { cookie } });
      expect(refused.status).toBe(404);
      expect(refused.headers.get('content-type')).toContain('text/html');
      expect(await refused.text()).toContain('No such batch');
    }
    // Without a session the download is not there either.
    const anonymous = await api.app.request(`/tenant/batches/${acmeBatch}/results`);
    expect(anonymous.status).toBe(303);
  });

  it('answers bad input with 4xx pages that say what was wrong', async () => {
    const { cookie } = await signIn();
    const badPage = await api.app.request('/tenant?after=nonsense', { headers: { cookie } });
    expect(badPage.status).toBe(400);
    expect(await badPage.text()).toContain('must be a batch id');
    // Paging: after the only acme batch there is none older.
    const older = await api.app.request(`/tenant?after=${acmeBatch}`, { headers: { cookie } });
    expect(older.status).toBe(200);
    const olderHtml = await older.text();
    expect(olderHtml).toContain('No batches yet.');
    expect(olderHtml).not.toContain(`data-batch="${acmeBatch}"`);
    const unknown = await api.app.request('/tenant/nowhere', { headers: { cookie } });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('There is no page GET /tenant/nowhere');

    const form = await openLoginForm();
    const empty = await postLogin({ key: '  ', csrf: form.csrf }, { cookie: form.cookie });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Enter your API key.');
    const huge = await postLogin(
      { key: 'k'.repeat(10_000), csrf: form.csrf },
      { cookie: form.cookie },
    );
    expect(huge.status).toBe(413);
    expect(await huge.text()).toContain('at most 4096 bytes');
    const json = await api.app.request('/tenant/login', {
      method: 'POST',
      headers: { origin: own, cookie: form.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'acme-key', csrf: form.csrf }),
    });
    expect(json.status).toBe(403);
    expect(await json.text()).toContain('Sign-in form expired');
  });

  it('refuses sign-ins without the form’s CSRF token or from another origin', async () => {
    const form = await openLoginForm();
    const noCookie = await postLogin({ key: 'acme-key', csrf: form.csrf }, {});
    expect(noCookie.status).toBe(403);
    const other = await openLoginForm();
    const mismatched = await postLogin(
      { key: 'acme-key', csrf: other.csrf },
      { cookie: form.cookie },
    );
    expect(mismatched.status).toBe(403);
    const crossOrigin = await postLogin(
      { key: 'acme-key', csrf: form.csrf },
      { cookie: form.cookie, origin: 'http://localhost:9999' },
    );
    expect(crossOrigin.status).toBe(403);
    expect(await crossOrigin.text()).toContain('Sign-in refused');
    for (const refused of [noCookie, mismatched, crossOrigin]) {
      expect(refused.headers.getSetCookie().some((c) => c.startsWith('nightshift_tenant='))).toBe(
        false,
      );
    }
  });

  it('signs out only with the session’s CSRF token from this origin; the old cookie then ends', async () => {
    const session = await signIn();
    const logout = (body: Record<string, string>, origin = own) =>
      api.app.request('/tenant/logout', {
        method: 'POST',
        headers: { origin, cookie: session.cookie },
        body: new URLSearchParams(body),
      });
    expect((await logout({})).status).toBe(403);
    expect((await logout({ csrf: session.csrf }, 'http://evil.example')).status).toBe(403);
    const other = await signIn();
    expect((await logout({ csrf: other.csrf })).status).toBe(403);
    // Still signed in after the refusals.
    expect((await api.app.request('/tenant', { headers: { cookie: session.cookie } })).status).toBe(
      200,
    );
    const done = await logout({ csrf: session.csrf });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/tenant/login');
    const after = await api.app.request('/tenant', { headers: { cookie: session.cookie } });
    expect(after.status).toBe(303);
    // The other session lives on.
    expect((await api.app.request('/tenant', { headers: { cookie: other.cookie } })).status).toBe(
      200,
    );
  });

  it('takes managed keys, and ends their sessions when the key is revoked', async () => {
    const keys = new ApiKeyStore({ redis: api.client });
    const created = await keys.create({ tenant: 'globex', name: 'browser' });
    const session = await signIn(created.key);
    expect(session.html).toContain(`data-batch="${globexBatch}"`);
    expect(session.html).not.toContain(acmeBatch);
    await keys.revoke(created.id);
    const after = await api.app.request('/tenant', { headers: { cookie: session.cookie } });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/tenant/login');
  });

  it('throttles failed sign-ins: past the limit even the right key waits', async () => {
    const buckets = await api.client.keys(`${keyPrefix}:ratelimit:tenant-login-failures:*`);
    if (buckets.length) await api.client.del(...buckets);
    for (let i = 0; i < 3; i++) {
      const form = await openLoginForm();
      const wrong = await postLogin(
        { key: `wrong-${i}`, csrf: form.csrf },
        { cookie: form.cookie },
      );
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).toContain('That API key is not valid.');
    }
    const form = await openLoginForm();
    const right = await postLogin({ key: 'acme-key', csrf: form.csrf }, { cookie: form.cookie });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await right.text()).toContain('Too many failed sign-ins');
    // The admin sign-in keeps its own counts.
    expect(await api.client.keys(`${keyPrefix}:ratelimit:admin-login-failures:*`)).toEqual([]);
  });
});

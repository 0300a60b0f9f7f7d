import { CallLedger } from '@nightshift/accounting';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';
import { seedDashboard } from '../../test-support/dashboard-seed.ts';

const adminKey = 'admin-key-0123456789abcdef';
const admin = { authorization: `Bearer ${adminKey}` };
let api: Awaited<ReturnType<typeof apiUnderTest>>;
let seeded: { batchId: string; deliveryId: string };

beforeAll(async () => {
  api = await apiUnderTest({ NIGHTSHIFT_ADMIN_KEY: adminKey });
  seeded = await seedDashboard(api);
});
afterAll(async () => {
  await api?.close();
});

describe('admin dashboard routes', () => {
  it('renders lanes, the worker, the batch in flight and the dead letter', async () => {
    const res = await api.app.request('/admin', { headers: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const page = await res.text();
    for (const lane of ['hot', 'cold', 'batches', 'webhooks']) {
      expect(page).toContain(`data-lane="${lane}"`);
    }
    expect(page).toContain('data-worker="gpu-node-7:0"');
    expect(page).toContain('window closed');
    expect(page).toContain('opens in 3 h 12 min');
    expect(page).toContain('70.0 GiB / 140.4 GiB');
    expect(page).toContain(`data-batch="${seeded.batchId}"`);
    expect(page).toContain('1 / 4');
    expect(page).toContain(`data-delivery="${seeded.deliveryId}"`);
    expect(page).toContain('http_502');
    expect(page).not.toMatch(/<script|https?:\/\/(?!hooks\.acme)/);
  });

  it('shows what the night shift did, and answers the same as JSON at /admin/night-shift', async () => {
    const ledger = new CallLedger({ redis: api.client });
    const call = { tenant: 'acme', lane: 'cold' as const, model: 'qwen3:32b', server: 'gpu-a' };
    const at = Date.now() - 120_000;
    await ledger.callEnded(call.server, await ledger.callStarted(call, at), at + 36_000);
    const res = await api.app.request('/admin/night-shift', { headers: admin });
    expect(res.status).toBe(200);
    const report = (await res.json()) as {
      object: string;
      tenants: Array<{ tenant: string; last24h: { gpuHours: number; energyKWh: number | null } }>;
    };
    expect(report.object).toBe('night_shift_report');
    expect(report.tenants).toEqual([
      expect.objectContaining({
        tenant: 'acme',
        last24h: { gpuHours: 0.01, energyKWh: null, cost: null },
      }),
    ]);
    expect((await api.app.request('/admin/night-shift')).status).toBe(401);
    const page = await (await api.app.request('/admin', { headers: admin })).text();
    expect(page).toContain('What the night shift did');
    const row = page.slice(page.indexOf('data-tenant="acme"'));
    expect(row).toMatch(/^data-tenant="acme"><td>acme<\/td><td class="num">0\.01<\/td>/);
  });

  it('escapes what workers and tenants publish', async () => {
    const { h200WorkerStatus } = await import('../../test-support/dashboard-seed.ts');
    await api.fleet.publish({ ...h200WorkerStatus(), id: '<img src=x onerror=alert(1)>' });
    const page = await (await api.app.request('/admin', { headers: admin })).text();
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    await api.fleet.remove('<img src=x onerror=alert(1)>');
  });

  it('sends a browser without credentials to the sign-in form, and signs in with a cookie', async () => {
    const bounced = await api.app.request('/admin', { headers: { accept: 'text/html' } });
    expect(bounced.status).toBe(303);
    expect(bounced.headers.get('location')).toBe('/admin/login');
    expect((await api.app.request('/admin')).status).toBe(401);

    // app.request() serves http://localhost: the sign-in form's own origin.
    const sameOrigin = { origin: 'http://localhost' };
    const wrong = await api.app.request('/admin/login', {
      method: 'POST',
      headers: sameOrigin,
      body: new URLSearchParams({ key: 'nope' }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const login = await api.app.request('/admin/login', {
      method: 'POST',
      headers: sameOrigin,
      body: new URLSearchParams({ key: adminKey }),
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toContain(adminKey);
    const session = cookie.split(';')[0] as string;
    expect((await api.app.request('/admin', { headers: { cookie: session } })).status).toBe(200);
    const forged = `${session.slice(0, -2)}xx`;
    expect((await api.app.request('/admin', { headers: { cookie: forged } })).status).toBe(401);
  });

  it('serves Bull Board, its API and its assets only with the admin key', async () => {
    const board = await api.app.request('/admin/queues', { headers: admin });
    expect(board.status).toBe(200);
    const page = await board.text();
    expect(page).toContain('<base href="/admin/queues/"');
    expect(page).not.toContain('fonts.googleapis.com');
    const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(page)?.[1];
    expect(script).toBeDefined();
    const asset = `/admin/queues/${script}`;
    const served = await api.app.request(asset, { headers: admin });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toContain('javascript');
    expect((await api.app.request(asset)).status).toBe(401);

    const queues = await api.app.request('/admin/queues/api/queues', { headers: admin });
    expect(queues.status).toBe(200);
    const names = ((await queues.json()) as { queues: { name: string }[] }).queues.map(
      (q) => q.name,
    );
    expect(names.sort()).toEqual(['batches', 'cold', 'hot', 'webhooks']);
    expect((await api.app.request('/admin/queues/api/queues')).status).toBe(401);
  });
});

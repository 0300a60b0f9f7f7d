import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { keyPrefix, queueNames } from '@nightshift/core';
import { Queue } from 'bullmq';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';
import {
  chromiumPath,
  cspViolations,
  hasChromium,
  launchChromium,
  serveForBrowser,
} from '../../test-support/chromium.ts';
import { seedDashboard } from '../../test-support/dashboard-seed.ts';

if (!hasChromium) {
  console.warn(
    `SKIPPED: the dashboard browser test needs ${chromiumPath} (apt-get install -y chromium).`,
  );
}

const adminKey = 'admin-key-0123456789abcdef';
const artifacts = fileURLToPath(new URL('../../../../test-artifacts/', import.meta.url));
let api: Awaited<ReturnType<typeof apiUnderTest>>;
let server: Awaited<ReturnType<typeof serveForBrowser>> | undefined;
let origin: string;
let browser: Browser;
let seeded: { batchId: string; deliveryId: string };

async function signIn(page: Page) {
  await page.goto(`${origin}/admin`);
  expect(new URL(page.url()).pathname).toBe('/admin/login');
  await page.fill('input[name=key]', adminKey);
  await Promise.all([page.waitForURL(`${origin}/admin`), page.click('button[type=submit]')]);
}

describe.skipIf(!hasChromium)('dashboard in headless Chromium', () => {
  beforeAll(async () => {
    api = await apiUnderTest({ NIGHTSHIFT_ADMIN_KEY: adminKey });
    seeded = await seedDashboard(api);
    server = await serveForBrowser(api.app);
    origin = server.origin;
    browser = await launchChromium();
    mkdirSync(artifacts, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await api?.close();
  });

  it('signs in, shows lanes, the worker window and VRAM, the batch and the dead letter', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const elsewhere: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(origin)) elsewhere.push(request.url());
    });
    const refused = cspViolations(page);

    await signIn(page);

    await expect.poll(() => page.title()).toBe('Nightshift · dashboard');
    const lanes = await page
      .locator('#lanes tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-lane')));
    expect(lanes).toEqual(['hot', 'cold', 'batches', 'webhooks']);
    // Store states moved by hand; no worker took the jobs, so all four still wait in BullMQ.
    expect(await page.locator('[data-lane="cold"] .depth').textContent()).toBe('4');

    const worker = page.locator('[data-worker="gpu-node-7:0"]');
    expect(await worker.locator('.badge').first().textContent()).toBe('window closed');
    expect(await worker.locator('.next-transition').textContent()).toContain('opens in 3 h 12 min');
    expect(await worker.locator('[data-gpu="0"] .vram-text').textContent()).toBe(
      '70.0 GiB / 140.4 GiB · 50% · 69.8 GiB free',
    );
    // The stylesheet applies: the VRAM bar is drawn half full.
    const bar = await worker.locator('[data-gpu="0"] .bar').boundingBox();
    const used = await worker.locator('[data-gpu="0"] .bar span').boundingBox();
    expect(used?.width).toBeCloseTo((bar?.width ?? 0) * 0.5 - 1, 0);

    const batch = page.locator(`[data-batch="${seeded.batchId}"]`);
    expect(await batch.locator('.progress').textContent()).toBe('1 / 4');
    expect(await batch.textContent()).toContain('running');

    const delivery = page.locator(`[data-delivery="${seeded.deliveryId}"]`);
    expect(await delivery.textContent()).toContain('https://hooks.acme.example/nightshift');
    expect(await delivery.textContent()).toContain('http_502');

    await page.screenshot({ path: `${artifacts}dashboard.png`, fullPage: true });
    expect(elsewhere).toEqual([]);

    // The session cookie also opens Bull Board, whose UI calls its API with it.
    await page.click('text=Queues (Bull Board)');
    await page.waitForURL(`${origin}/admin/queues`);
    // The overview's cards come from its API over the same cookie: cold shows its 4 documents.
    await page.getByText('4 Jobs').waitFor({ timeout: 15_000 });
    const board = await page.locator('body').textContent();
    for (const queue of ['hot', 'cold', 'batches', 'webhooks']) expect(board).toContain(queue);
    await page.screenshot({ path: `${artifacts}bull-board.png` });
    expect(elsewhere).toEqual([]);

    // Swagger UI renders under its CSP too.
    await page.goto(`${origin}/docs`);
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 15_000 });
    expect(await page.locator('.swagger-ui .info .title').textContent()).toContain('Nightshift');
    expect(refused).toEqual([]);

    // Sign-out is a button (a POST): afterwards the old session no longer opens the dashboard.
    await page.goto(`${origin}/admin`);
    await Promise.all([
      page.waitForURL(`${origin}/admin/login`),
      page.click('button:has-text("Sign out")'),
    ]);
    await page.goto(`${origin}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    expect(refused).toEqual([]);
    await context.close();
  });

  it('refuses admin requests forged by a page on another port of the same host', async () => {
    // The attacker's page: same host, other port. Same site, so SameSite=Strict sends the cookie.
    const attacker: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><title>cats</title>
<form id="forge" method="post" action="${origin}/admin/keys" enctype="text/plain">
<input name='{"tenant":"evil","pad":"' value='"}'></form>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const evil = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    const webhooks = new Queue(queueNames.webhooks, { connection: api.client, prefix: keyPrefix });
    const jobsBefore = await webhooks.count();
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await signIn(page);

      // 1. A form posting text/plain "JSON" to the key API (no preflight needed).
      await page.goto(evil);
      const [formAnswer] = await Promise.all([
        page.waitForResponse(`${origin}/admin/keys`),
        page.waitForURL(`${origin}/admin/keys`),
        page.locator('#forge').evaluate((form) => (form as unknown as { submit(): void }).submit()),
      ]);
      expect(formAnswer.status()).toBe(403);
      expect(await page.textContent('body')).toContain('admin-cross-origin');

      // 2. A no-cors fetch to Bull Board's add-job, with the cookie.
      await page.goto(evil);
      const addJob = `${origin}/admin/queues/api/queues/${queueNames.webhooks}/add`;
      const [fetchAnswer] = await Promise.all([
        page.waitForResponse(addJob),
        page.evaluate(
          (url) =>
            fetch(url, {
              method: 'POST',
              mode: 'no-cors',
              credentials: 'include',
              headers: { 'content-type': 'text/plain' },
              body: JSON.stringify({ name: 'deliver', data: { url: 'https://evil.example/' } }),
            }).then(() => null),
          addJob,
        ),
      ]);
      expect(fetchAnswer.status()).toBe(403);

      const admin = { authorization: `Bearer ${adminKey}` };
      const evilKeys = await api.app.request('/admin/keys?tenant=evil', { headers: admin });
      expect(((await evilKeys.json()) as { data: unknown[] }).data).toEqual([]);
      expect(await webhooks.count()).toBe(jobsBefore);

      // The same requests from the admin's own pages go through (Bull Board's page may fetch;
      // the dashboard's CSP allows no fetch at all).
      await page.goto(`${origin}/admin/queues`);
      const statuses = await page.evaluate(async (url) => {
        const key = await fetch('/admin/keys', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ tenant: 'ops' }),
        });
        const job = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'probe', data: {} }),
        });
        return [key.status, job.status];
      }, addJob);
      expect(statuses).toEqual([201, 200]);
      expect(await webhooks.count()).toBe(jobsBefore + 1);
    } finally {
      await webhooks.obliterate({ force: true });
      await context.close();
      await new Promise<void>((resolve) => attacker.close(() => resolve()));
    }
  });
});

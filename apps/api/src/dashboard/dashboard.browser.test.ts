import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type ServerType, serve } from '@hono/node-server';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../test-support/api-under-test.ts';
import { seedDashboard } from '../test-support/dashboard-seed.ts';

// Debian's chromium package; CI installs it (.ci/run). Never a downloaded browser.
const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
if (!hasChromium) {
  console.warn(
    `SKIPPED: the dashboard browser test needs ${chromiumPath} (apt-get install -y chromium).`,
  );
}

const adminKey = 'admin-key-0123456789abcdef';
const artifacts = fileURLToPath(new URL('../../../../test-artifacts/', import.meta.url));
let api: Awaited<ReturnType<typeof apiUnderTest>>;
let server: ServerType;
let origin: string;
let browser: Browser;
let seeded: { batchId: string; deliveryId: string };

describe.skipIf(!hasChromium)('dashboard in headless Chromium', () => {
  beforeAll(async () => {
    api = await apiUnderTest({ NIGHTSHIFT_ADMIN_KEY: adminKey });
    seeded = await seedDashboard(api);
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    mkdirSync(artifacts, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await api?.close();
  });

  it('signs in, shows lanes, the worker window and VRAM, the batch and the dead letter', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const elsewhere: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(origin)) elsewhere.push(request.url());
    });

    await page.goto(`${origin}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.fill('input[name=key]', adminKey);
    await Promise.all([page.waitForURL(`${origin}/admin`), page.click('button[type=submit]')]);

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
    await context.close();
  });
});

import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { coldWindowState, parseColdWindows } from '@nightshift/gpu';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedActivityDay } from '../../test-support/activity-seed.ts';
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
  console.warn(`SKIPPED: the plots and tenant page test needs ${chromiumPath}.`);
}

const adminKey = 'admin-key-0123456789abcdef';
/** The screenshots the README shows: every run writes them afresh (the time axis moves with the clock). */
const screenshots = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url));
const windows = parseColdWindows('22:00-06:00');

let api: Awaited<ReturnType<typeof apiUnderTest>>;
let server: Awaited<ReturnType<typeof serveForBrowser>> | undefined;
let origin: string;
let browser: Browser;
let batches: { running: string; completed: string; other: string };

/** Test-only: a batch whose documents all succeeded, through the store's own transitions. */
async function completedBatch(key: string, ids: string[]): Promise<string> {
  const res = await api.postJson(
    '/v1/batches',
    {
      documents: ids.map((id) => ({ id, text: `The ${id} minutes.` })),
      metadata: { source: 'board-minutes' },
    },
    key,
  );
  const { id: batchId } = (await res.json()) as { id: string };
  for (const documentId of ids) {
    await api.store.moveDocument(batchId, documentId, 'running');
    await api.store.moveDocument(batchId, documentId, 'succeeded', {
      documentId,
      status: 'succeeded',
      summary: `${documentId}: decisions and owners.`,
      model: 'qwen3:32b',
      usage: { promptTokens: 900, completionTokens: 140 },
    });
  }
  return batchId;
}

/** Elements the page asked for from anywhere but this API. */
function requestsElsewhere(page: Page): string[] {
  const elsewhere: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(origin)) elsewhere.push(request.url());
  });
  return elsewhere;
}

describe.skipIf(!hasChromium)('plots and the tenant page in headless Chromium', () => {
  beforeAll(async () => {
    api = await apiUnderTest({
      NIGHTSHIFT_ADMIN_KEY: adminKey,
      NIGHTSHIFT_COLD_WINDOWS: '22:00-06:00',
    });
    const seeded = await seedDashboard(api);
    await seedActivityDay(api.client, (at) => coldWindowState(windows, at, 'UTC').open);
    batches = {
      running: seeded.batchId,
      completed: await completedBatch('acme-key', ['q1', 'q2', 'q3']),
      other: await completedBatch('globex-key', ['secret']),
    };
    server = await serveForBrowser(api.app);
    origin = server.origin;
    browser = await launchChromium();
    mkdirSync(screenshots, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await api?.close();
  });

  it('draws the last 24 hours on the dashboard, cold windows shaded, under the CSP', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const elsewhere = requestsElsewhere(page);
    const refused = cspViolations(page);
    await page.goto(`${origin}/admin/login`);
    await page.fill('input[name=key]', adminKey);
    await Promise.all([page.waitForURL(`${origin}/admin`), page.click('button[type=submit]')]);

    const plots = page.locator('#plots figure');
    expect(await plots.evaluateAll((f) => f.map((e) => e.getAttribute('data-plot')))).toEqual([
      'vram',
      'documents',
      'tokens',
      'hot-latency',
    ]);
    const vramLines = page.locator('[data-plot="vram"] path.line');
    expect(await vramLines.count()).toBe(2);
    // The stylesheet reaches the SVG: lines are stroked, not filled black.
    const paint = await vramLines.first().evaluate((path) => {
      // The page's window (this workspace compiles without the DOM library).
      const page = globalThis as unknown as {
        getComputedStyle(element: unknown): { stroke: string; fill: string };
      };
      const { stroke, fill } = page.getComputedStyle(path);
      return { stroke, fill };
    });
    expect(paint).toEqual({ stroke: 'rgb(122, 162, 255)', fill: 'none' });
    // Bands are drawn with a width: 22:00-06:00 covers a third of the day.
    const plotBox = await page.locator('[data-plot="documents"] svg').boundingBox();
    const bandWidths = await page
      .locator('[data-plot="documents"] rect.band')
      .evaluateAll((rects) => rects.map((r) => r.getBoundingClientRect().width));
    const shaded = bandWidths.reduce((a, b) => a + b, 0) / (plotBox?.width ?? 1);
    expect(shaded).toBeGreaterThan(0.25);
    expect(shaded).toBeLessThan(0.33);

    await page.locator('#plots').screenshot({ path: `${screenshots}dashboard-plots.png` });
    expect(refused).toEqual([]);
    expect(elsewhere).toEqual([]);
    await context.close();
  });

  it('lets a tenant sign in with its key, see only its batches and download the results', async () => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 720 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const elsewhere = requestsElsewhere(page);
    const refused = cspViolations(page);
    await page.goto(`${origin}/tenant`);
    expect(new URL(page.url()).pathname).toBe('/tenant/login');
    await page.fill('input[name=key]', 'wrong-key');
    await page.click('button[type=submit]');
    expect(await page.locator('[role=alert]').textContent()).toBe('That API key is not valid.');
    await page.fill('input[name=key]', 'acme-key');
    await Promise.all([page.waitForURL(`${origin}/tenant`), page.click('button[type=submit]')]);

    const rows = await page
      .locator('#batches tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-batch')));
    expect(rows).toEqual([batches.completed, batches.running]);
    const running = page.locator(`[data-batch="${batches.running}"]`);
    expect(await running.locator('.progress').textContent()).toBe('1 / 4');
    const bar = await running.locator('.bar').boundingBox();
    const done = await running.locator('.bar span').boundingBox();
    expect(done?.width).toBeCloseTo((bar?.width ?? 0) * 0.25 - 0.5, 0);
    const completed = page.locator(`[data-batch="${batches.completed}"]`);
    expect(await completed.locator('.status').textContent()).toBe('completed');

    await page.screenshot({ path: `${screenshots}tenant-page.png`, fullPage: true });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      completed.locator('a.download').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${batches.completed}.ndjson`);
    const lines = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { documentId: 'q1', status: 'succeeded', summary: 'q1: decisions and owners.' },
      { documentId: 'q2', status: 'succeeded' },
      { documentId: 'q3', status: 'succeeded' },
    ]);

    // Another tenant's batch by URL: a 404 page, not its results.
    const other = await page.goto(`${origin}/tenant/batches/${batches.other}/results`);
    expect(other?.status()).toBe(404);
    expect(await page.textContent('body')).toContain('No such batch');

    await page.goto(`${origin}/tenant`);
    await Promise.all([
      page.waitForURL(`${origin}/tenant/login`),
      page.click('button:has-text("Sign out")'),
    ]);
    await page.goto(`${origin}/tenant`);
    expect(new URL(page.url()).pathname).toBe('/tenant/login');
    expect(refused).toEqual([]);
    expect(elsewhere).toEqual([]);
    await context.close();
  });
});

import { coldWindowSpans, coldWindowState, parseColdWindows } from '@nightshift/gpu';
import { ActivitySeries } from '@nightshift/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedActivityDay } from '../../test-support/activity-seed.ts';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

const adminKey = 'admin-key-0123456789abcdef';
const windows = parseColdWindows('22:00-06:00');
let api: Awaited<ReturnType<typeof apiUnderTest>>;

beforeAll(async () => {
  api = await apiUnderTest({
    NIGHTSHIFT_ADMIN_KEY: adminKey,
    NIGHTSHIFT_COLD_WINDOWS: '22:00-06:00',
    NIGHTSHIFT_VRAM_MAX_USED_PCT: '90',
  });
});
afterAll(async () => {
  await api?.close();
});

const dashboard = async () => {
  const res = await api.app.request('/admin', {
    headers: { authorization: `Bearer ${adminKey}` },
  });
  expect(res.status).toBe(200);
  return res.text();
};
/** The markup of one plot's `<figure>`. */
const figure = (html: string, id: string) =>
  new RegExp(`<figure class="plot" data-plot="${id}">[\\s\\S]*?</figure>`).exec(html)?.[0] ?? '';
const points = (path: string) => (path.match(/[ML]/g) ?? []).length;

describe('the dashboard plots', () => {
  it('says so when nothing was recorded yet, and still shades the cold windows', async () => {
    const html = await dashboard();
    expect(html).toContain('<section id="plots">');
    expect(figure(html, 'vram')).toContain('No GPU readings in the last 24 hours.');
    expect(figure(html, 'hot-latency')).toContain('No hot summary in the last 24 hours.');
    expect(figure(html, 'documents')).toMatch(/<rect class="band"/);
  });

  it('draws a day of real writes: VRAM per GPU, throughput per lane, hot p95, windows shaded', async () => {
    const seeded = await seedActivityDay(
      api.client,
      (at) => coldWindowState(windows, at, 'UTC').open,
    );
    // The page and the series read within one minute, so both cover the same 1440 points.
    const series = new ActivitySeries({ redis: api.client });
    let html = '';
    let day = await series.read();
    for (let tries = 0; tries < 3; tries++) {
      html = await dashboard();
      const again = await series.read();
      if (again.to.getTime() === day.to.getTime()) break;
      day = again;
    }

    const vram = figure(html, 'vram');
    for (const gpu of seeded.gpus) expect(vram).toContain(`data-series="${gpu} (140 GiB)"`);
    // The configured threshold, as a dashed line titled with its variable.
    expect(vram).toContain('<title>NIGHTSHIFT_VRAM_MAX_USED_PCT 90%</title>');

    // One point a minute: the lanes' lines run unbroken through all 1440.
    const documents = figure(html, 'documents');
    for (const lane of ['hot lane', 'cold lane']) {
      const d = new RegExp(`data-series="${lane}" d="([^"]+)"`).exec(documents)?.[1] ?? '';
      expect(points(d)).toBe(1440);
      expect(d.startsWith('M')).toBe(true);
    }
    expect(figure(html, 'tokens')).toContain('data-series="cold lane"');

    // The p95 line has a point wherever a hot summary finished, and breaks elsewhere.
    const latency = /data-series="hot p95" d="([^"]+)"/.exec(figure(html, 'hot-latency'))?.[1];
    expect(points(latency ?? '')).toBe(day.hotP95Ms.filter((v) => v !== null).length);

    // One shaded band per open stretch of 22:00-06:00 over the plotted day.
    const spans = coldWindowSpans(windows, day.from, day.to, 'UTC');
    const bands = [...documents.matchAll(/<rect class="band" data-band="([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(bands).toEqual(spans.map((s) => s.from.toISOString()));
    expect(documents).toContain('cold window open (22:00-06:00, UTC)');

    // Inline SVG only: nothing the CSP would refuse.
    expect(html).not.toContain('<script');
    expect(html).not.toMatch(/\sstyle="/);
  });
});

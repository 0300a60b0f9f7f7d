import { PriceStore, planColdHours, type StoredPlan } from '@nightshift/price-windows';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';
import type { PricePlanView } from './price-plan-view.ts';

let api: Awaited<ReturnType<typeof apiUnderTest>>;
let plain: Awaited<ReturnType<typeof apiUnderTest>>;
const adminKey = 'admin-key-0123456789abcdef';
beforeAll(async () => {
  api = await apiUnderTest({
    NIGHTSHIFT_PRICE_SOURCE: 'file:/srv/nightshift/prices.json',
    NIGHTSHIFT_ADMIN_KEY: adminKey,
  });
  plain = await apiUnderTest();
});
beforeEach(async () => {
  await api.client.flushall();
});
afterAll(async () => {
  await Promise.all([api?.close(), plain?.close()]);
});

const hourMs = 3_600_000;

/** A plan made now: cheap in two hours, with one batch due in 3 h that cannot fit. */
function planNow(): StoredPlan {
  const now = Date.now();
  const first = Math.floor(now / hourMs) * hourMs;
  const prices = Array.from({ length: 30 }, (_, h) => ({
    start: first + h * hourMs,
    value: h === 2 ? 31.5 : 120 + h,
  }));
  const plan = planColdHours({
    now,
    prices,
    allowed: (start) => ((start - first) / hourMs < 3 ? 1 : 0),
    batches: [
      { id: 'batch_big', model: 'qwen3:32b', remaining: 50_000, deadline: first + 3 * hourMs },
    ],
    throughput: () => 1,
  });
  return {
    computedAt: now,
    unit: 'EUR/MWh',
    source: 'file:/srv/nightshift/prices.json',
    limits: '22:00-06:00',
    timeZone: 'UTC',
    throughput: { documentsPerS: 1, measured: true, models: { 'qwen3:32b': 0.42 } },
    threshold: plan.threshold,
    hours: plan.hours,
    atRisk: plan.atRisk,
  };
}

describe('GET /v1/workers with a price source', () => {
  it('shows the plan: the coming hours, why each is open or shut, and the batches at risk', async () => {
    await new PriceStore({ redis: api.client }).savePlan(planNow(), 60_000);
    const res = await api.app.request('/v1/workers', { headers: api.auth() });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { pricePlan: PricePlanView };
    const plan = body.pricePlan;
    expect(plan.hours).toHaveLength(24);
    expect(plan.hours[2]).toMatchObject({ open: true, price: 31.5 });
    expect(plan.hours[5]).toMatchObject({ open: false, reason: 'limit' });
    expect(plan.atRisk).toEqual([
      expect.objectContaining({ batchId: 'batch_big', model: 'qwen3:32b', remaining: 50_000 }),
    ]);
    expect(plan.atRisk[0]?.shortDocuments).toBeGreaterThan(0);
    expect(plan.throughput).toEqual({
      documentsPerS: 1,
      measured: true,
      models: { 'qwen3:32b': 0.42 },
    });
    expect(Date.parse(plan.atRisk[0]?.expiresAt ?? '')).toBeGreaterThan(Date.now());
  });

  it('answers null until the first plan is made', async () => {
    const res = await api.app.request('/v1/workers', { headers: api.auth() });
    expect(await res.json()).toEqual({ object: 'list', data: [], pricePlan: null });
  });

  it('leaves the field out without a price source, as before', async () => {
    await new PriceStore({ redis: plain.client }).savePlan(planNow(), 60_000);
    const res = await plain.app.request('/v1/workers', { headers: plain.auth() });
    expect(await res.json()).toEqual({ object: 'list', data: [] });
  });

  it('documents the plan in the OpenAPI contract', async () => {
    const document = (await (await api.app.request('/openapi.json')).json()) as {
      paths: Record<string, { get: { responses: Record<string, unknown> } }>;
    };
    const ok = document.paths['/v1/workers']?.get.responses['200'] as {
      content: { 'application/json': { schema: { properties: Record<string, unknown> } } };
    };
    const pricePlan = ok.content['application/json'].schema.properties.pricePlan as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(pricePlan.properties)).toEqual(
      expect.arrayContaining(['hours', 'atRisk', 'unit', 'limits', 'throughput']),
    );
  });
});

describe('the admin dashboard with a price source', () => {
  it('shows the next open hours, why, and the batches at risk', async () => {
    await new PriceStore({ redis: api.client }).savePlan(planNow(), 60_000);
    const res = await api.app.request('/admin', {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(res.status).toBe(200);
    const page = await res.text();
    const section = page.slice(page.indexOf('<section id="price-plan">'));
    expect(section).toContain('Price plan');
    expect(section).toContain('<td class="num">31.50</td><td>open</td>');
    expect(section).toContain('outside the allowed hours');
    expect(section).toMatch(/<tr data-batch="batch_big"><td>batch_big<\/td><td>qwen3:32b<\/td>/);
    expect(section).toContain(
      '<span class="model-pace" data-model="qwen3:32b">qwen3:32b 0.420/s</span>',
    );
  });

  it('says so while no plan exists yet', async () => {
    const page = await (
      await api.app.request('/admin', { headers: { authorization: `Bearer ${adminKey}` } })
    ).text();
    expect(page).toContain('No plan yet: the price source has not answered.');
  });
});

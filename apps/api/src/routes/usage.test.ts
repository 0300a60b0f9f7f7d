import { UsageLedger, usageReport, utcDay } from '@nightshift/metrics';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

let api: Awaited<ReturnType<typeof apiUnderTest>>;
beforeAll(async () => {
  api = await apiUnderTest();
});
beforeEach(async () => {
  await api.client.flushall();
});
afterAll(async () => {
  await api.close();
});

describe('GET /v1/usage', () => {
  it('answers the calling tenant’s own usage per day and model', async () => {
    const ledger = new UsageLedger({ redis: api.client });
    const at = new Date('2025-02-10T08:00:00Z');
    const usage = { status: 'succeeded' as const, promptTokens: 300, completionTokens: 40, at };
    await ledger.record({ tenant: 'acme', model: 'qwen3:32b', ...usage });
    await ledger.record({ tenant: 'acme', model: 'qwen3:32b', ...usage });
    await ledger.record({ tenant: 'globex', model: 'qwen3:32b', ...usage, promptTokens: 9999 });

    const response = await api.app.request('/v1/usage?from=2025-02-09&to=2025-02-10', {
      headers: api.auth(),
    });
    expect(response.status).toBe(200);
    const report = usageReport.parse(await response.json());
    expect(report).toMatchObject({ tenant: 'acme', granularity: 'day' });
    expect(report.data.map((p) => [p.period, p.documents, p.promptTokens])).toEqual([
      ['2025-02-09', 0, 0],
      ['2025-02-10', 2, 600],
    ]);
    expect(report.totals.models).toEqual([
      {
        model: 'qwen3:32b',
        documents: 2,
        requests: 0,
        promptTokens: 600,
        completionTokens: 80,
        gpuSeconds: 0,
        energyWh: null,
      },
    ]);

    const other = await api.app.request(
      '/v1/usage?from=2025-02-10&to=2025-02-10&granularity=month',
      {
        headers: api.auth('globex-key'),
      },
    );
    const globex = usageReport.parse(await other.json());
    expect(globex.data).toHaveLength(1);
    expect(globex.data[0]).toMatchObject({ period: '2025-02', documents: 1, promptTokens: 9999 });
  });

  it('defaults `to` to today and refuses bad ranges with problem+json', async () => {
    const today = utcDay(new Date());
    const ok = await api.app.request(`/v1/usage?from=${today}`, { headers: api.auth() });
    expect(((await ok.json()) as { to: string }).to).toBe(today);

    for (const query of [
      '',
      '?from=yesterday',
      '?from=2025-03-02&to=2025-03-01',
      '?from=2020-01-01&to=2025-01-01',
    ]) {
      const response = await api.app.request(`/v1/usage${query}`, { headers: api.auth() });
      expect(response.status, query).toBe(422);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await api.app.request('/v1/usage?from=2025-01-01')).status).toBe(401);
  });
  it('refuses days that are not on the calendar, and reversed ranges, naming the field', async () => {
    const fieldsOf = async (query: string) => {
      const response = await api.app.request(`/v1/usage?${query}`, { headers: api.auth() });
      expect(response.status, query).toBe(422);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      return ((await response.json()) as { errors: { field: string }[] }).errors.map(
        (e) => e.field,
      );
    };
    for (const from of ['2026-02-30', '2025-02-29', '2026-04-31', '2026-13-01', '2026-00-10']) {
      expect(await fieldsOf(`from=${from}&to=2026-05-01`)).toEqual(['from']);
    }
    expect(await fieldsOf('from=2026-02-01&to=2026-02-30')).toEqual(['to']);
    expect(await fieldsOf('from=2026-03-02&to=2026-03-01')).toEqual(['to']);
    expect(await fieldsOf('from=2999-01-01')).toEqual(['from']); // `to` defaults to today
    const leap = await api.app.request('/v1/usage?from=2024-02-29&to=2024-03-01', {
      headers: api.auth(),
    });
    expect(leap.status).toBe(200);
    expect(((await leap.json()) as { data: unknown[] }).data).toHaveLength(2);
  });
});

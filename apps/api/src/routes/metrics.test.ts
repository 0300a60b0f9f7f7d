import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest, metricsAuth } from '../../test-support/api-under-test.ts';

let api: Awaited<ReturnType<typeof apiUnderTest>>;
beforeAll(async () => {
  api = await apiUnderTest({ NIGHTSHIFT_HOT_BURST: '1', NIGHTSHIFT_HOT_RATE_PER_MIN: '1' });
});
afterAll(async () => {
  await api.close();
});

describe('GET /metrics', () => {
  it('serves Prometheus text with queue depth and counts rate-limit rejections', async () => {
    await api.postJson('/v1/batches', { documents: [{ text: 'One.' }, { text: 'Two.' }] });
    // Malformed bodies still pass the limiter first: one token, then 429s.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await api.postJson('/v1/summaries', '{')).status);
    expect(statuses).toEqual([400, 429, 429]);

    const response = await api.app.request('/metrics', { headers: metricsAuth });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    // Cold jobs are queued with priorities (tenant fairness), so they wait as `prioritized`.
    expect(text).toContain('nightshift_queue_depth{lane="cold",state="prioritized"} 2');
    expect(text).toContain('nightshift_rate_limit_rejections_total{limit="hot",tenant="acme"} 2');
    for (const name of [
      'nightshift_job_duration_seconds',
      'nightshift_tokens_total',
      'nightshift_model_fallbacks_total',
      'nightshift_gpu_vram_used_bytes',
      'nightshift_gpu_vram_free_bytes',
      'nightshift_cold_window_open',
      'nightshift_webhook_attempts_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });
});

describe('who reads GET /metrics', () => {
  it('refuses an anonymous caller, a tenant key and a wrong token with 401; the token reads it', async () => {
    // The series name every tenant (rate-limit rejections, usage): only the scraper may read them.
    await api.postJson('/v1/batches', { documents: [{ text: 'Three.' }] });
    const anonymous = await api.app.request('/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
    expect(await anonymous.text()).not.toContain('acme');
    for (const key of ['acme-key', 'metrics-token-of-the-tests-but-wrong']) {
      const response = await api.app.request('/metrics', {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(response.status, key).toBe(401);
    }
    const scraper = await api.app.request('/metrics', { headers: metricsAuth });
    expect(scraper.status).toBe(200);
    expect(await scraper.text()).toContain('tenant="acme"');
  });

  it('takes either of two tokens during a rotation, and refuses everyone when none is set', async () => {
    const rotating = await apiUnderTest(
      { NIGHTSHIFT_METRICS_TOKEN: 'old-token-0123456789,new-token-0123456789' },
      { redisUrl: api.redis.url },
    );
    const unset = await apiUnderTest({ NIGHTSHIFT_METRICS_TOKEN: '' }, { redisUrl: api.redis.url });
    try {
      for (const token of ['old-token-0123456789', 'new-token-0123456789']) {
        const response = await rotating.app.request('/metrics', {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status, token).toBe(200);
      }
      const off = await unset.app.request('/metrics', { headers: metricsAuth });
      expect(off.status).toBe(401);
      expect(((await off.json()) as { detail: string }).detail).toMatch(/NIGHTSHIFT_METRICS_TOKEN/);
    } finally {
      await Promise.all([rotating.close(), unset.close()]);
    }
  });
});

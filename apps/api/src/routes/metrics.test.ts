import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

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

    const response = await api.app.request('/metrics');
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

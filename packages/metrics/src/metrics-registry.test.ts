import { keyPrefix, queueNames } from '@nightshift/core';
import { createRedis } from '@nightshift/redis';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { nightshiftMetrics } from './metric-definitions.ts';
import { MetricsRecorder } from './metrics-recorder.ts';
import { createMetricsRegistry, type MetricsRegistry } from './metrics-registry.ts';
import { WorkMeter } from './work-meter.ts';
import { startWorkerGauges } from './worker-gauges.ts';

let harness: RedisHarness;
let redis: Redis;
let metrics: MetricsRegistry;
beforeAll(async () => {
  harness = await startRedis();
  redis = createRedis(harness.url, 'client');
  metrics = createMetricsRegistry({ redis });
});
beforeEach(async () => {
  await redis.flushall();
});
afterAll(async () => {
  await metrics.close();
  redis.disconnect();
  await harness.stop();
});

/** The value of one exposition line, found by its name and labels as written. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('createMetricsRegistry', () => {
  it('reports queue depth per lane and state from BullMQ', async () => {
    const cold = new Queue(queueNames.cold, { connection: redis, prefix: keyPrefix });
    await cold.add('doc', { n: 1 });
    await cold.add('doc', { n: 2 });
    await cold.add('doc', { n: 3 }, { delay: 60_000 });
    const text = await metrics.metrics();
    await cold.close();
    expect(text).toContain('# TYPE nightshift_queue_depth gauge');
    expect(sample(text, 'nightshift_queue_depth{lane="cold",state="waiting"}')).toBe(2);
    expect(sample(text, 'nightshift_queue_depth{lane="cold",state="delayed"}')).toBe(1);
    expect(sample(text, 'nightshift_queue_depth{lane="hot",state="waiting"}')).toBe(0);
  });

  it('exposes counters and cumulative histograms recorded by other processes', async () => {
    const meter = new WorkMeter({ redis });
    const usage = { promptTokens: 100, completionTokens: 20 };
    const doc = { lane: 'cold', tenant: 'acme', model: 'qwen3:32b', outcome: 'succeeded' } as const;
    await meter.documentFinished({ ...doc, durationMs: 300, usage });
    await meter.documentFinished({ ...doc, durationMs: 4_000, usage });
    await meter.documentFinished({ ...doc, durationMs: 4_000_000, usage });
    await meter.fallback({ model: 'qwen3:32b', provider: 'ollama', kind: 'oom' });
    const recorder = new MetricsRecorder({ redis });
    await recorder.inc(nightshiftMetrics.webhookAttempts, { outcome: 'delivered' });
    await recorder.inc(nightshiftMetrics.rateLimitRejections, { limit: 'hot', tenant: 'acme' });

    const text = await metrics.metrics();
    const labels = 'lane="cold",model="qwen3:32b",outcome="succeeded"';
    expect(text).toContain('# TYPE nightshift_job_duration_seconds histogram');
    expect(sample(text, `nightshift_job_duration_seconds_bucket{${labels},le="0.25"}`)).toBe(0);
    expect(sample(text, `nightshift_job_duration_seconds_bucket{${labels},le="0.5"}`)).toBe(1);
    expect(sample(text, `nightshift_job_duration_seconds_bucket{${labels},le="5"}`)).toBe(2);
    expect(sample(text, `nightshift_job_duration_seconds_bucket{${labels},le="1800"}`)).toBe(2);
    expect(sample(text, `nightshift_job_duration_seconds_bucket{${labels},le="+Inf"}`)).toBe(3);
    expect(sample(text, `nightshift_job_duration_seconds_count{${labels}}`)).toBe(3);
    expect(sample(text, `nightshift_job_duration_seconds_sum{${labels}}`)).toBeCloseTo(4004.3);
    expect(
      sample(text, 'nightshift_tokens_total{direction="in",model="qwen3:32b",tenant="acme"}'),
    ).toBe(300);
    expect(
      sample(text, 'nightshift_tokens_total{direction="out",model="qwen3:32b",tenant="acme"}'),
    ).toBe(60);
    expect(
      sample(
        text,
        'nightshift_model_fallbacks_total{model="qwen3:32b",provider="ollama",reason="oom"}',
      ),
    ).toBe(1);
    expect(sample(text, 'nightshift_webhook_attempts_total{outcome="delivered"}')).toBe(1);
    expect(sample(text, 'nightshift_rate_limit_rejections_total{limit="hot",tenant="acme"}')).toBe(
      1,
    );
  });

  it('publishes worker gauges that vanish when the worker stops reporting', async () => {
    const recorder = new MetricsRecorder({ redis });
    const gauges = startWorkerGauges({
      recorder,
      worker: 'gpu-host:1',
      intervalMs: 50,
      models: ['qwen3:32b', 'qwen2:7b'],
      snapshot: () => ({
        window: { open: true },
        reading: { status: 'ok', gpus: [{ index: 0, usedMiB: 1024, freeMiB: 2048 }] },
      }),
    });
    // The first publish lands within an interval or so; a loaded machine may need longer.
    let text = '';
    await vi.waitFor(
      async () => {
        text = await metrics.metrics();
        expect(sample(text, 'nightshift_cold_window_open{worker="gpu-host:1"}')).toBe(1);
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(sample(text, 'nightshift_gpu_vram_used_bytes{worker="gpu-host:1",gpu="0"}')).toBe(
      1024 * 1024 * 1024,
    );
    expect(sample(text, 'nightshift_gpu_vram_free_bytes{worker="gpu-host:1",gpu="0"}')).toBe(
      2048 * 1024 * 1024,
    );
    for (const model of ['qwen3:32b', 'qwen2:7b']) {
      expect(sample(text, `nightshift_worker_models{worker="gpu-host:1",model="${model}"}`)).toBe(
        1,
      );
    }
    await gauges.stop();
    // Three missed intervals (150 ms) later, the series is gone.
    await new Promise((resolve) => setTimeout(resolve, 400));
    text = await metrics.metrics();
    expect(text).not.toContain('worker="gpu-host:1"');
  });

  it('never throws when Redis refuses a write', async () => {
    const broken = createRedis('redis://127.0.0.1:1', 'client', {
      lazyConnect: true,
      retryStrategy: () => null,
    });
    const errors: Error[] = [];
    const recorder = new MetricsRecorder({ redis: broken, onError: (e) => errors.push(e) });
    await recorder.inc(nightshiftMetrics.webhookAttempts, { outcome: 'retry' });
    expect(errors.length).toBe(1);
    broken.disconnect();
  });
});

import type { WorkerStatus } from '@nightshift/fleet';
import { notAPdf } from '@nightshift/testkit/sample-documents';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiUnderTest, metricsAuth } from '../../test-support/api-under-test.ts';
import { h200WorkerStatus } from '../../test-support/dashboard-seed.ts';

let api: Awaited<ReturnType<typeof apiUnderTest>>;
beforeAll(async () => {
  api = await apiUnderTest(
    {
      NIGHTSHIFT_HOT_MAX_QUEUE: '2',
      NIGHTSHIFT_HOT_RATE_PER_MIN: '600',
      NIGHTSHIFT_HOT_BURST: '100',
      NIGHTSHIFT_HOT_WAIT_S: '1',
    },
    { hotAdmission: true },
  );
});
beforeEach(async () => {
  await api.client.flushall();
});
afterAll(async () => {
  await api.close();
});

/** A worker as it publishes itself (the real registry; the status is the data under test). */
function worker(overrides: {
  usedPct: number;
  hotRunning: number;
  recentHotMs?: number[];
}): WorkerStatus {
  const base = h200WorkerStatus();
  const gpu = base.gpu.gpus[0] as WorkerStatus['gpu']['gpus'][number];
  const freeMiB = Math.round(gpu.totalMiB * (1 - overrides.usedPct / 100));
  return {
    ...base,
    id: `w-${overrides.usedPct}-${overrides.hotRunning}`,
    gpu: {
      ...base.gpu,
      gpus: [{ ...gpu, usedMiB: gpu.totalMiB - freeMiB, freeMiB, usedPct: overrides.usedPct }],
    },
    lanes: { ...base.lanes, hot: { slots: 2, running: overrides.hotRunning } },
    recentHotMs: overrides.recentHotMs ?? [],
  };
}

const summarize = (body: unknown = { text: 'A short note about GPUs.' }) =>
  api.postJson('/v1/summaries', body);

async function expectProblem(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  return (await response.json()) as Record<string, unknown>;
}

/** Each refusal is counted on `/metrics` by reason (the hot 503 alert reads this series). */
async function expectRejectionCounted(reason: string) {
  await vi.waitFor(async () => {
    const text = await (await api.app.request('/metrics', { headers: metricsAuth })).text();
    expect(text).toContain(`nightshift_hot_rejections_total{reason="${reason}"} 1\n`);
  });
}

describe('POST /v1/summaries admission', () => {
  it('answers 503 with Retry-After when no worker is online', async () => {
    const problem = await expectProblem(await summarize(), 503);
    expect(String(problem.detail)).toMatch(/No worker/);
    await expectRejectionCounted('no_worker');
  });

  it('answers 503 with an honest Retry-After when VRAM is over the threshold and hot slots are full', async () => {
    await api.fleet.publish(
      worker({ usedPct: 96, hotRunning: 2, recentHotMs: [20_000, 24_000, 22_000] }),
    );
    const response = await summarize();
    const problem = await expectProblem(response, 503);
    expect(String(problem.detail)).toMatch(/over 95%/);
    // median 22 s × ⌈(0 + 1) / 2⌉ slots → 22 s
    expect(response.headers.get('retry-after')).toBe('22');
    await expectRejectionCounted('vram');
  });

  it('queues the request when VRAM is high but a hot slot is free, and times out honestly', async () => {
    await api.fleet.publish(worker({ usedPct: 96, hotRunning: 1 }));
    // No worker consumes here, so the admitted request waits NIGHTSHIFT_HOT_WAIT_S and gets 504.
    const problem = await expectProblem(await summarize(), 504);
    expect(problem.type).toBe('/problems/summary-timeout');
    expect(await api.hotLane.waiting()).toBe(0); // the abandoned job was taken off the queue
  });

  it('answers 503 when the hot queue is past NIGHTSHIFT_HOT_MAX_QUEUE', async () => {
    await api.fleet.publish(worker({ usedPct: 10, hotRunning: 0 }));
    for (let i = 0; i < 2; i++) {
      await api.hotLane.queue.add('summary', {
        tenant: 'acme',
        model: 'm',
        summary: {},
        content: { kind: 'text', text: 'x' },
      });
    }
    const problem = await expectProblem(await summarize(), 503);
    expect(String(problem.detail)).toMatch(/2 requests waiting/);
    await expectRejectionCounted('hot_queue_full');
  });
});

describe('POST /v1/summaries input', () => {
  it.each([
    [{}, 422],
    [{ text: 'a', pdf: 'JVBERi0=' }, 422],
    [{ text: 42 }, 422],
    ['{"text": ', 400],
  ])('rejects %j with %i', async (body, status) => {
    await api.fleet.publish(worker({ usedPct: 10, hotRunning: 0 }));
    await expectProblem(await summarize(body), status);
    expect(await api.hotLane.waiting()).toBe(0);
  });

  it('refuses a "PDF" that is not one with 422 and its code, before queueing', async () => {
    await api.fleet.publish(worker({ usedPct: 10, hotRunning: 0 }));
    const problem = await expectProblem(
      await summarize({ pdf: Buffer.from(notAPdf('png')).toString('base64') }),
      422,
    );
    expect(problem.code).toBe('not_a_pdf');
    expect(await api.hotLane.waiting()).toBe(0);
  });
});

describe('hot-lane rate limit', () => {
  it('answers 429 with Retry-After and RateLimit headers past the burst', async () => {
    const limited = await apiUnderTest(
      { NIGHTSHIFT_HOT_RATE_PER_MIN: '12', NIGHTSHIFT_HOT_BURST: '3' },
      { hotAdmission: true },
    );
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 4; i++) {
        last = await limited.postJson('/v1/summaries', { text: 'x' });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([503, 503, 503, 429]); // no worker online; the 4th is over the burst
      expect(last?.headers.get('retry-after')).toBe('5'); // 12/min refills one token every 5 s
      expect(last?.headers.get('ratelimit-limit')).toBe('3');
      expect(last?.headers.get('ratelimit-remaining')).toBe('0');
      const other = await limited.postJson('/v1/summaries', { text: 'x' }, 'globex-key');
      expect(other.status).toBe(503); // per tenant: globex has its own bucket
    } finally {
      await limited.close();
    }
  });
});

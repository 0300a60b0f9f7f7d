import { type ColdJobData, keyPrefix, queueNames } from '@nightshift/core';
import { createRedis } from '@nightshift/redis';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchStore } from './batch-store.ts';
import { BatchSubmitter } from './batch-submitter.ts';
import { FairShare } from './fair-share.ts';

let redis: RedisHarness;
let client: Redis;
let fairShare: FairShare;
let submitter: BatchSubmitter;

beforeAll(async () => {
  redis = await startRedis();
  client = createRedis(redis.url, 'client');
  // Every start reported at once, so the clock tests are exact (production thins reports out).
  fairShare = new FairShare({ redis: client, advanceEveryMs: 0 });
  submitter = newSubmitter(client, fairShare);
});
beforeEach(async () => {
  await client.flushall();
});
afterAll(async () => {
  await submitter.close();
  client.disconnect();
  await redis.stop();
});

function newSubmitter(connection: Redis, fair: FairShare | null) {
  const store = new BatchStore({ redis: connection, resultTtlMs: 60_000 });
  return new BatchSubmitter({
    connection,
    store,
    attempts: 1,
    resultTtlMs: 60_000,
    ...(fair ? { priorityFor: fair.priorityFor } : {}),
  });
}

const batch = (tenant: string, count: number) => ({
  tenant,
  documents: Array.from({ length: count }, (_, i) => ({
    id: `${tenant}_${i}`,
    content: { kind: 'text' as const, text: 'x' },
  })),
  model: 'test-model',
  summary: {},
  metadata: {},
  webhook: null,
  completionWindow: '24h',
});

interface Started {
  tenant: string;
  batchId: string;
  index: number;
  priority: number;
}

/**
 * One single-slot cold worker with an instant processor, recording the order jobs start in.
 * `advance` says whether it moves the virtual clock like the real cold worker does.
 */
function coldWorker(advance: boolean) {
  const started: Started[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const connection = createRedis(redis.url, 'worker');
  const worker = new Worker<ColdJobData>(
    queueNames.cold,
    async (job: Job<ColdJobData>) => {
      if (advance) await fairShare.advance(job.priority);
      const { tenant, batchId, index } = job.data;
      started.push({ tenant, batchId, index, priority: job.priority });
      for (const w of waiters.filter((w) => started.length >= w.n)) w.resolve();
    },
    { connection, prefix: keyPrefix, concurrency: 1 },
  );
  return {
    started,
    /** Resolves once `n` jobs have started. */
    until: (n: number) =>
      new Promise<void>((resolve) => {
        if (started.length >= n) resolve();
        else waiters.push({ n, resolve });
      }),
    async stop() {
      await worker.close(true);
      connection.disconnect();
    },
  };
}

/** 1-based position at which the tenant's last document started. */
const lastPosition = (started: Started[], tenant: string) =>
  started.map((s) => s.tenant).lastIndexOf(tenant) + 1;

/** Within each tenant, documents start in submission order: batch by batch, index by index. */
function expectFifoPerTenant(started: Started[]) {
  const byTenant = new Map<string, Started[]>();
  for (const s of started) byTenant.set(s.tenant, [...(byTenant.get(s.tenant) ?? []), s]);
  for (const jobs of byTenant.values()) {
    const priorities = jobs.map((j) => j.priority);
    expect(priorities).toEqual([...priorities].sort((a, b) => a - b));
    expect(new Set(priorities).size).toBe(priorities.length);
    const batches = jobs.map((j) => j.batchId).filter((b, i, all) => b !== all[i - 1]);
    expect(new Set(batches).size).toBe(batches.length); // one batch at a time, never mixed
    for (const id of batches) {
      const indexes = jobs.filter((j) => j.batchId === id).map((j) => j.index);
      expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    }
  }
}

describe('fair share in the cold lane', () => {
  it("does not let one tenant's 2,000-document batch starve another's 20 queued after it", async () => {
    await submitter.submit(batch('big', 2000));
    const worker = coldWorker(true);
    await worker.until(10);
    await submitter.submit(batch('small', 20));
    const processedBeforeSmall = worker.started.length;
    await worker.until(processedBeforeSmall + 60);
    await worker.stop();

    const last = lastPosition(worker.started, 'small');
    expect(worker.started.filter((s) => s.tenant === 'small')).toHaveLength(20);
    // Taking turns: at most one 'big' document per 'small' one, plus the one in flight.
    expect(last).toBeLessThanOrEqual(processedBeforeSmall + 2 * 20 + 1);
    expect(last).toBeLessThan(100); // FIFO would put it past 2,000
    expectFifoPerTenant(worker.started);
  });

  it('lets three tenants take turns round-robin', async () => {
    for (const tenant of ['a', 'b', 'c']) await submitter.submit(batch(tenant, 30));
    const worker = coldWorker(true);
    await worker.until(90);
    await worker.stop();

    expect(worker.started.map((s) => s.tenant).join('')).toBe('abc'.repeat(30));
    expectFifoPerTenant(worker.started);
  });

  it('keeps a tenant that was idle from paying for work already done', async () => {
    await submitter.submit(batch('a', 50));
    const first = coldWorker(true);
    await first.until(50);
    await first.stop();
    await submitter.submit(batch('b', 20));
    await submitter.submit(batch('a', 20));
    const worker = coldWorker(true);
    await worker.until(40);
    await worker.stop();

    const after = worker.started.map((s) => s.tenant);
    // Both resume at the clock: alternate, instead of all of b before a's next batch.
    expect(after.join('')).toBe('ba'.repeat(20));
    expectFifoPerTenant(worker.started);
  });

  it('follows the head of the queue even when workers do not move the clock', async () => {
    await submitter.submit(batch('big', 200));
    const worker = coldWorker(false);
    await worker.until(30);
    await submitter.submit(batch('small', 10));
    const before = worker.started.length;
    await worker.until(before + 30);
    await worker.stop();

    expect(lastPosition(worker.started, 'small')).toBeLessThanOrEqual(before + 2 * 10 + 1);
    expectFifoPerTenant(worker.started);
  });

  it('keeps its invariants with two API replicas submitting at once', async () => {
    const other = createRedis(redis.url, 'client');
    const replicas = [submitter, newSubmitter(other, new FairShare({ redis: other }))] as const;
    await Promise.all([
      replicas[0].submit(batch('a', 300)),
      replicas[1].submit(batch('b', 300)),
      replicas[1].submit(batch('a', 40)),
      replicas[0].submit(batch('b', 40)),
      replicas[0].submit(batch('small', 10)),
      replicas[1].submit(batch('a', 5)),
    ]);
    const worker = coldWorker(true);
    await worker.until(695);
    await worker.stop();
    await replicas[1].close();
    other.disconnect();

    expect(worker.started).toHaveLength(695);
    expectFifoPerTenant(worker.started);
    expect(lastPosition(worker.started, 'small')).toBeLessThanOrEqual(3 * 10);
    // Every reservation got its own tags: a tenant's priorities never repeat.
    const state = await fairShare.state();
    expect(state.finish).toEqual({ a: 345, b: 340, small: 10 });
  });
});

describe('FairShare clock', () => {
  it('clamps at the priority ceiling, keeping order non-decreasing', async () => {
    const fair = new FairShare({ redis: client, maxPriority: 100, rebaseAbove: 1_000 });
    expect(await fair.priorityFor('a', 80)).toEqual(range(1, 80));
    expect(await fair.priorityFor('b', 5)).toEqual(range(1, 5));
    const clamped = await fair.priorityFor('a', 30);
    expect(clamped).toEqual([...range(81, 100), ...Array(10).fill(100)]);
    expect(await fair.priorityFor('a', 2)).toEqual([100, 100]);
  });

  it('restarts at 0 once the lane is empty and the grace has passed, not before', async () => {
    const patient = new FairShare({ redis: client, rebaseAbove: 50, rebaseGraceMs: 60_000 });
    await patient.priorityFor('a', 60);
    expect(await patient.priorityFor('a', 1)).toEqual([61]); // last reservation too recent
    const eager = new FairShare({ redis: client, rebaseAbove: 50, rebaseGraceMs: 0 });
    expect(await eager.priorityFor('a', 3)).toEqual([1, 2, 3]);
    expect(await eager.state()).toEqual({ virtualTime: 0, issued: 3, finish: { a: 3 } });
  });

  it('never restarts while documents wait', async () => {
    const eager = new FairShare({ redis: client, rebaseAbove: 0, rebaseGraceMs: 0 });
    const sub = newSubmitter(client, eager);
    await sub.submit(batch('a', 5));
    await sub.submit(batch('b', 5));
    await sub.close();
    expect((await eager.state()).finish).toEqual({ a: 5, b: 5 });
  });

  it('moves the clock forward only, and ignores jobs from before a restart', async () => {
    await fairShare.priorityFor('a', 10);
    await fairShare.advance(4);
    await fairShare.advance(2);
    await fairShare.advance(0);
    expect((await fairShare.state()).virtualTime).toBe(4);
    await fairShare.advance(500); // tag never handed out since the restart
    expect((await fairShare.state()).virtualTime).toBe(4);
    expect(await fairShare.priorityFor('b', 2)).toEqual([5, 6]);
    expect(await fairShare.priorityFor('b', 0)).toEqual([]);
  });
});

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('grouping cold work by model', () => {
  const switches = (started: Started[]) =>
    started.filter((s, i) => i > 0 && s.tenant !== started[i - 1]?.tenant).length;

  async function drainTwoModels(fair: FairShare) {
    const previous = fairShare;
    fairShare = fair; // the recording worker advances this clock
    const grouped = newSubmitter(client, fair);
    try {
      await grouped.submit({ ...batch('alpha', 100), model: 'model-a' });
      await grouped.submit({ ...batch('beta', 100), model: 'model-b' });
      const worker = coldWorker(true);
      await worker.until(200);
      await worker.stop();
      return worker.started;
    } finally {
      fairShare = previous;
      await grouped.close();
      await client.flushall();
    }
  }

  it('runs one model’s documents together per round: few model swaps, still fair per round', async () => {
    const perDocument = await drainTwoModels(new FairShare({ redis: client, advanceEveryMs: 0 }));
    const perRound = await drainTwoModels(
      new FairShare({ redis: client, modelGroups: 2, roundLength: 16, advanceEveryMs: 0 }),
    );
    // Without grouping two tenants on two models alternate: a swap almost every document.
    expect(switches(perDocument)).toBeGreaterThan(150);
    // Grouped: one run of 16 per model per round → about 2 swaps per round of 32 documents.
    expect(switches(perRound)).toBeLessThanOrEqual(2 * Math.ceil(100 / 16));
    expect(perRound.findIndex((s) => s.tenant === 'beta')).toBeLessThanOrEqual(16);
    expectFifoPerTenant(perRound);
  });

  it('thins out clock reports but still reports the highest start of each interval', async () => {
    const thinned = new FairShare({ redis: client, advanceEveryMs: 100 });
    await thinned.priorityFor('a', 50);
    for (const priority of [3, 7, 5, 9]) await thinned.advance(priority);
    expect((await thinned.state()).virtualTime).toBe(3); // the first report went out at once
    await new Promise((r) => setTimeout(r, 150));
    expect((await thinned.state()).virtualTime).toBe(9); // the trailing report: the highest
  });

  it('maps turn tags to priorities and back (identity without groups)', async () => {
    const { priorityOfTag, tagOfPriority } = await import('./fair-share.ts');
    for (const tag of [1, 15, 16, 17, 40]) {
      expect(tagOfPriority(priorityOfTag(tag, 1, 2, 16), 2, 16)).toBe(tag);
    }
    expect([1, 2, 64, 65].map((t) => priorityOfTag(t, 0, 1, 64))).toEqual([1, 2, 64, 65]);
    // Round 0: group 0 takes 1..16, group 1 takes 17..32; round 1 starts at 33.
    expect(priorityOfTag(1, 1, 2, 16)).toBe(17);
    expect(priorityOfTag(16, 0, 2, 16)).toBe(16);
    expect(priorityOfTag(17, 0, 2, 16)).toBe(33);
  });
});

import { AccountingStore } from '@nightshift/accounting';
import { BatchStopper, BatchStore } from '@nightshift/batches';
import type { BatchObject } from '@nightshift/core';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until, workerUnderTest } from '../test-support/worker-under-test.ts';

// Short texts of a large batch travel a few to a cold job (planColdJobs): the job runs them one
// after the other, and each must still end exactly once whatever happens to the job.

let redis: RedisHarness;
let ollama: OllamaStandIn;
const harnesses: Awaited<ReturnType<typeof workerUnderTest>>[] = [];

beforeAll(async () => {
  redis = await startRedis();
  ollama = await startOllamaStandIn({ tokenLatencyMs: 1 });
});
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
  ollama.reset();
  const client = new Redis(redis.url);
  await client.flushall();
  client.disconnect();
});
afterAll(async () => {
  await ollama.close();
  await redis.stop();
});

const env = {
  NIGHTSHIFT_PROVIDER: 'ollama',
  // No fallback model: a refused call fails the document's attempt.
  NIGHTSHIFT_FALLBACK_MODELS: ',', // an empty list (an empty value means the default)
  OLLAMA_HOST: 'set per test',
  NIGHTSHIFT_COLD_CONCURRENCY: '1',
  NIGHTSHIFT_HOT_RESERVE_SLOTS: '0',
  NIGHTSHIFT_MAX_TOKENS: '16',
};
// 32 documents on one slot: 32 / (1 slot × 8 jobs per slot) → groups of 4, 8 jobs.
const grouping = { maxPerJob: 4, slots: 1 };
const texts = Array.from(
  { length: 32 },
  (_, i) => `Entry ${i}-marker. The night crew restocked shelf ${i} and logged it.`,
);
/** Model calls the stand-in answered (or refused) for document i. */
const callsFor = (i: number, server: OllamaStandIn = ollama) =>
  server.requests.filter(
    (r) => r.path === '/api/chat' && r.messages?.some((m) => m.content.includes(`Entry ${i}-`)),
  ).length;

/** Every document final (the batch itself is closed by the notifier, not started here). */
const ended = (batch: BatchObject) => batch.counts.succeeded + batch.counts.failed === 32;

async function start(submission: Parameters<typeof workerUnderTest>[2] = {}) {
  const harness = await workerUnderTest(
    redis,
    { ...env, OLLAMA_HOST: ollama.url },
    { grouping, ...submission },
  );
  harnesses.push(harness);
  return harness;
}

describe('cold jobs carrying several documents', () => {
  it('runs every document of every group once', async () => {
    const harness = await start();
    const batch = await harness.submit(texts);
    await until(async () => ended(await harness.batch(batch.id)), 20_000);
    expect((await harness.batch(batch.id)).counts).toMatchObject({ succeeded: 32, failed: 0 });
    expect(texts.map((_, i) => callsFor(i))).toEqual(texts.map(() => 1));
    // Each document's one model call is charged to the batch, on the cold lane.
    const accounting = new AccountingStore({ redis: harness.client });
    await until(async () => (await accounting.batchTotals(batch.id)).calls === 32, 5_000);
    expect((await accounting.batchTotals(batch.id)).gpuSeconds).toBeGreaterThan(0);
    const { calls } = await accounting.hours(Date.now() - 60_000, Date.now());
    expect(calls.filter((row) => row.lane === 'cold').reduce((n, row) => n + row.calls, 0)).toBe(
      32,
    );
  });

  it('retries a group after a model failure without redoing its finished documents', async () => {
    const harness = await start({ attempts: 2, retryDelayMs: 50 });
    const batch = await harness.submit(texts);
    // Fail the model call that follows the first finished document: mid-group.
    await until(async () => (await harness.batch(batch.id)).counts.succeeded >= 1, 10_000);
    ollama.failNext({ kind: 'busy' });
    await until(async () => ended(await harness.batch(batch.id)), 20_000);
    expect((await harness.batch(batch.id)).counts).toMatchObject({ succeeded: 32, failed: 0 });
    const calls = texts.map((_, i) => callsFor(i));
    // One document was asked twice (refused, then answered); every other one once.
    expect(calls.filter((n) => n === 2)).toHaveLength(1);
    expect(calls.filter((n) => n === 1)).toHaveLength(31);
  });

  it('on the last attempt records the failed document and still runs the rest of its group', async () => {
    const harness = await start({ attempts: 1 });
    const batch = await harness.submit(texts);
    await until(async () => (await harness.batch(batch.id)).counts.succeeded >= 1, 10_000);
    ollama.failNext({ kind: 'busy' });
    await until(async () => ended(await harness.batch(batch.id)), 20_000);
    const done = await harness.batch(batch.id);
    expect(done.counts).toMatchObject({ succeeded: 31, failed: 1, queued: 0, running: 0 });
    expect(texts.map((_, i) => callsFor(i))).toEqual(texts.map(() => 1));
  });

  it('hands a group back when the worker drains, and a new worker finishes it without repeats', async () => {
    const first = await start();
    const batch = await first.submit(texts);
    await until(async () => (await first.batch(batch.id)).counts.succeeded >= 2, 10_000);
    await first.close();
    harnesses.splice(harnesses.indexOf(first), 1);
    const reader = new Redis(redis.url);
    const midway = await new BatchStore({ redis: reader, resultTtlMs: 60_000 }).getForTenant(
      'acme',
      batch.id,
    );
    reader.disconnect();
    // The drained group's next document went back to `queued`; nothing is left running.
    expect(midway?.counts).toMatchObject({ running: 0 });
    expect(midway?.counts.succeeded).toBeLessThan(32);

    const second = await start();
    await until(async () => ended(await second.batch(batch.id)), 20_000);
    expect((await second.batch(batch.id)).counts).toMatchObject({ succeeded: 32, failed: 0 });
    expect(texts.map((_, i) => callsFor(i))).toEqual(texts.map(() => 1));
  });

  describe('with a batch cancelled while a document of a group is with the model', () => {
    // Model calls of ~150 ms (10 words × 15 ms), so a test can act while one is in flight.
    let slow: OllamaStandIn;
    beforeAll(async () => {
      slow = await startOllamaStandIn({ tokenLatencyMs: 15 });
    });
    afterEach(() => slow.reset());
    afterAll(() => slow.close());

    const startSlow = async () => {
      const harness = await workerUnderTest(redis, { ...env, OLLAMA_HOST: slow.url }, { grouping });
      harnesses.push(harness);
      return harness;
    };
    const indexOf = (request: OllamaStandIn['requests'][number]) =>
      Number(/Entry (\d+)-/.exec(request.messages?.at(-1)?.content ?? '')?.[1] ?? -1);
    /** Waits for a model call in flight for a document that is not the last of its group of 4. */
    const midGroupCall = () =>
      until(() =>
        slow.requests.some(
          (r) => r.path === '/api/chat' && r.finishedAt === undefined && indexOf(r) % 4 !== 3,
        ),
      );

    it('lets that call finish and ends the rest of the group cancelled without calling the model', async () => {
      const harness = await startSlow();
      const batch = await harness.submit(texts);
      await midGroupCall();
      const inFlight = slow.requests.find(
        (r) => r.path === '/api/chat' && r.finishedAt === undefined,
      );
      const cancelledAt = Date.now();
      const stopper = new BatchStopper({
        connection: harness.client,
        store: harness.store,
        resultTtlMs: 60_000,
      });
      await stopper.cancel('acme', batch.id);
      await until(async () => {
        const { counts } = await harness.batch(batch.id);
        return counts.queued + counts.running === 0;
      }, 20_000);
      const results = new Map<string, string>();
      for await (const result of harness.store.results(batch.id)) {
        results.set(result.documentId, result.status);
      }
      const cut = indexOf(inFlight as OllamaStandIn['requests'][number]);
      // The call in flight at the cancel finished; no later document reached the model.
      expect(results.get(`doc_${cut}`)).toBe('succeeded');
      expect(results.get(`doc_${cut + 1}`)).toBe('cancelled');
      const after = slow.requests.filter(
        (r) => r.path === '/api/chat' && r.receivedAt > cancelledAt,
      );
      expect(after).toEqual([]);
      for (let i = cut + 1; i < 32; i++) expect(results.get(`doc_${i}`)).toBe('cancelled');
    });
  });

  describe('at the end of a batch, with more slots than jobs left', () => {
    // Model calls of ~150 ms, 16 parallel slots at the server and in the lane.
    let wide: OllamaStandIn;
    beforeAll(async () => {
      wide = await startOllamaStandIn({ tokenLatencyMs: 15, parallel: 16 });
    });
    afterEach(() => wide.reset());
    afterAll(() => wide.close());

    /** Most model calls the server had in flight at once. */
    const peakInFlight = () => {
      const edges = wide.requests
        .filter((r) => r.path === '/api/chat')
        .flatMap((r) => [
          { at: r.receivedAt, step: 1 },
          { at: r.finishedAt ?? Number.POSITIVE_INFINITY, step: -1 },
        ])
        .sort((a, b) => a.at - b.at || a.step - b.step);
      let now = 0;
      let peak = 0;
      for (const edge of edges) {
        now += edge.step;
        peak = Math.max(peak, now);
      }
      return peak;
    };

    it('groups hand their unstarted documents back as jobs of their own, so every slot runs one', async () => {
      const harness = await workerUnderTest(
        redis,
        {
          ...env,
          OLLAMA_HOST: wide.url,
          NIGHTSHIFT_UPSTREAMS: JSON.stringify([
            { kind: 'ollama', url: wide.url, models: ['*'], slots: 16 },
          ]),
          NIGHTSHIFT_COLD_CONCURRENCY: '16',
          NIGHTSHIFT_COLD_AUTOTUNE: 'false',
        },
        { grouping }, // 8 jobs of 4 documents
      );
      harnesses.push(harness);
      const batch = await harness.submit(texts);
      await until(async () => ended(await harness.batch(batch.id)), 20_000);
      expect((await harness.batch(batch.id)).counts).toMatchObject({ succeeded: 32, failed: 0 });
      expect(texts.map((_, i) => callsFor(i, wide))).toEqual(texts.map(() => 1));
      // 8 groups run one document at a time would keep at most 8 calls at the server.
      expect(peakInFlight()).toBeGreaterThan(8);
    });
  });
});

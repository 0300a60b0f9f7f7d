import { createFakeNvidiaSmi } from '@nightshift/testkit/fake-nvidia-smi';
import { type GpuStandIn, startGpuStandIn } from '@nightshift/testkit/gpu-stand-in';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { longText } from '@nightshift/testkit/sample-documents';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until, workerUnderTest } from '../test-support/worker-under-test.ts';

let redis: RedisHarness;
let gpu: GpuStandIn | undefined;
let harness: Awaited<ReturnType<typeof workerUnderTest>> | undefined;

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await gpu?.close();
  gpu = undefined;
  const { Redis } = await import('ioredis');
  const client = new Redis(redis.url);
  await client.flushall();
  client.disconnect();
});
afterAll(async () => {
  await redis.stop();
});

const words = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => `d${seed}w${i}`).join(' ');

/** A worker summarizing through the OpenAI-compatible API of a vLLM-like stand-in. */
function vllmEnv(server: GpuStandIn, extra: Record<string, string> = {}) {
  return {
    NIGHTSHIFT_PROVIDER: 'openai',
    NIGHTSHIFT_OPENAI_BASE_URL: `${server.url}/v1`,
    NIGHTSHIFT_MODEL: 'qwen2:7b',
    NIGHTSHIFT_FALLBACK_MODELS: ' ',
    NIGHTSHIFT_NUM_CTX: '2048',
    NIGHTSHIFT_MAX_TOKENS: '40',
    ...extra,
  };
}

describe('cold lane on a continuous-batching server (vLLM /metrics)', () => {
  it('tunes itself past the old fixed 2 up to what the server runs without a queue', async () => {
    // 12 sequences fit in the KV cache; each answer takes 40 steps of ~20 ms.
    gpu = await startGpuStandIn({
      engine: { stepBaseMs: 20, stepPerSeqMs: 0.1, maxNumSeqs: 12, kvCapacityTokens: 100_000 },
    });
    harness = await workerUnderTest(redis, vllmEnv(gpu));
    const server = gpu;
    let peakRunning = 0;
    const sampler = setInterval(() => {
      peakRunning = Math.max(peakRunning, server.queue().active);
    }, 10);
    try {
      const batch = await harness.submit(Array.from({ length: 100 }, (_, i) => words(60, i)));
      await until(
        async () => (await harness?.batch(batch.id))?.completedAt !== null,
        60_000,
        'batch done',
      );
      expect((await harness.batch(batch.id)).counts.succeeded).toBe(100);
    } finally {
      clearInterval(sampler);
    }
    expect(peakRunning).toBe(12);
    // It found the server's capacity (12 of the 60 its default 64 slots less the reserve allow)
    // and stepped back to it: its own places, decided by this server's /metrics. The last step
    // back may have landed below it on a loaded machine (the queue a step behind, so what it
    // learned is low too); with the queue gone the limit climbs back to what it learned, then
    // one place every 5 s past that: up to 30 s from a learned 6.
    const worker = harness.worker;
    const limit = await until(
      async () => {
        const [place] = worker.coldCapacity.snapshot();
        return place && place.limit >= 9 ? place.limit : undefined;
      },
      35_000,
      'the limit back at the server capacity',
    );
    expect(limit).toBeGreaterThanOrEqual(9);
    expect(limit).toBeLessThanOrEqual(13);
  }, 120_000);

  it('runs cold work although nvidia-smi shows the card 96 % used (vLLM reserves it at start)', async () => {
    // The real H200 capture with 96 % of its memory held: as vLLM's --gpu-memory-utilization
    // leaves the card when idle. The server's own places decide room, not free memory.
    const smi = createFakeNvidiaSmi({ state: 'used-0.96' });
    try {
      gpu = await startGpuStandIn({
        engine: { stepBaseMs: 20, stepPerSeqMs: 0.1, maxNumSeqs: 8, kvCapacityTokens: 100_000 },
      });
      harness = await workerUnderTest(
        redis,
        vllmEnv(gpu, {
          NIGHTSHIFT_GPU_PROBE: 'nvidia-smi',
          NIGHTSHIFT_NVIDIA_SMI: smi.binary,
          // A 32k window: a session's KV cache (~6 GiB) exceeds what the card shows free.
          NIGHTSHIFT_NUM_CTX: '32768',
        }),
      );
      const server = gpu;
      let peakRunning = 0;
      const sampler = setInterval(() => {
        peakRunning = Math.max(peakRunning, server.queue().active);
      }, 10);
      try {
        const batch = await harness.submit(Array.from({ length: 24 }, (_, i) => words(60, i)));
        await until(
          async () => (await harness?.batch(batch.id))?.completedAt !== null,
          60_000,
          'batch done',
        );
        expect((await harness.batch(batch.id)).counts.succeeded).toBe(24);
      } finally {
        clearInterval(sampler);
      }
      expect(peakRunning).toBeGreaterThan(2);
    } finally {
      smi.remove();
    }
  }, 90_000);

  it('starts no cold job while requests from elsewhere wait inside the server', async () => {
    gpu = await startGpuStandIn({
      engine: { stepBaseMs: 10, stepPerSeqMs: 0, maxNumSeqs: 2, kvCapacityTokens: 100_000 },
    });
    const server = gpu;
    // Chat traffic straight to the server fills both sequences and queues behind them.
    const direct = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const chats = Array.from({ length: 4 }, (_, i) =>
      direct.chat.completions.create({
        model: 'qwen2:7b',
        messages: [{ role: 'user', content: words(80, 1000 + i) }],
        max_tokens: 80,
      }),
    );
    await until(() => server.queue().waiting === 2, 5_000, 'chat waiting in the server');
    harness = await workerUnderTest(redis, vllmEnv(server));
    const batch = await harness.submit([words(60, 1), words(60, 2)]);
    await until(
      () => harness?.worker.coldCapacity.snapshot()[0]?.limit === 0,
      5_000,
      'the server’s cold places see the queue',
    );
    await new Promise((r) => setTimeout(r, 500));
    // Its jobs wait for a place; no cold request joined the server's queue.
    expect(server.queue()).toEqual({ active: 2, waiting: 2 });
    await Promise.all(chats);
    await until(
      async () => (await harness?.batch(batch.id))?.counts.succeeded === 2,
      20_000,
      'cold work once the queue is gone',
    );
  }, 30_000);
});

describe('cold lane on a slot server with a memory budget (Ollama /api/ps)', () => {
  it('runs long documents without running out of memory where a fixed 4 does', async () => {
    // 10,000 MiB card, 6,000 MiB of weights; a session of num_ctx 2,048 × 1 MiB/1,024 tokens = 2,000 MiB.
    const MiB = 2 ** 20;
    const standIn = () =>
      startGpuStandIn({
        mode: 'ollama',
        models: [{ name: 'qwen2:7b', sizeBytes: 6_000 * MiB }],
        engine: { stepBaseMs: 4, stepPerSeqMs: 0 },
        ollama: { memoryBytes: 10_000 * MiB, parallel: 4, kvBytesPerToken: 1024 * 1000 },
      });
    const env = (server: GpuStandIn, extra: Record<string, string>) => ({
      NIGHTSHIFT_PROVIDER: 'ollama',
      OLLAMA_HOST: server.url,
      NIGHTSHIFT_MODEL: 'qwen2:7b',
      NIGHTSHIFT_FALLBACK_MODELS: ' ',
      NIGHTSHIFT_NUM_CTX: '2048',
      NIGHTSHIFT_MAX_TOKENS: '60',
      NIGHTSHIFT_JOB_ATTEMPTS: '1',
      ...extra,
    });
    const documents = Array.from({ length: 8 }, (_, i) => longText(600, { seed: i + 1 }));

    gpu = await standIn();
    harness = await workerUnderTest(
      redis,
      env(gpu, {
        NIGHTSHIFT_GPU_PROBE: 'ollama',
        NIGHTSHIFT_GPU_MEMORY_MIB: '10000',
        NIGHTSHIFT_VRAM_RESERVE_MIB: '0',
        NIGHTSHIFT_SLOT_MEMORY_MIB: '2000',
      }),
      { attempts: 1 },
    );
    const admitted = await harness.submit(documents);
    await until(
      async () => (await harness?.batch(admitted.id))?.completedAt !== null,
      60_000,
      'admitted batch done',
    );
    expect((await harness.batch(admitted.id)).counts.succeeded).toBe(8);
    expect(gpu.outOfMemoryAnswers()).toBe(0);
    await harness.close();
    await gpu.close();

    // The same documents at a fixed concurrency of 4, memory unseen: the third session fails.
    gpu = await standIn();
    harness = await workerUnderTest(
      redis,
      env(gpu, { NIGHTSHIFT_COLD_AUTOTUNE: 'false', NIGHTSHIFT_COLD_CONCURRENCY: '4' }),
      { attempts: 1 },
    );
    const naive = await harness.submit(documents);
    await until(
      async () => (await harness?.batch(naive.id))?.completedAt !== null,
      60_000,
      'naive batch done',
    );
    expect(gpu.outOfMemoryAnswers()).toBeGreaterThan(0);
  }, 120_000);
});

describe('routing by model across workers', () => {
  it('leaves cold jobs to the worker whose server has the model loaded', async () => {
    const serverFor = () =>
      startGpuStandIn({
        mode: 'ollama',
        models: [{ name: 'qwen2:7b', sizeBytes: 4.4e9 }],
        engine: { stepBaseMs: 5, stepPerSeqMs: 0 },
        ollama: { loadMs: 500 },
      });
    const loadedServer = await serverFor();
    const coldServer = await serverFor();
    const { Ollama } = await import('ollama');
    await new Ollama({ host: loadedServer.url }).generate({ model: 'qwen2:7b', prompt: '' });
    const env = (server: GpuStandIn) => ({
      NIGHTSHIFT_PROVIDER: 'ollama',
      OLLAMA_HOST: server.url,
      NIGHTSHIFT_MODEL: 'qwen2:7b',
      NIGHTSHIFT_FALLBACK_MODELS: ' ',
      NIGHTSHIFT_NUM_CTX: '2048',
      NIGHTSHIFT_MAX_TOKENS: '20',
    });
    const holder = await workerUnderTest(redis, env(loadedServer));
    harness = await workerUnderTest(redis, env(coldServer));
    try {
      // Both workers published their status (with the models their servers have loaded) on start.
      const batch = await holder.submit(Array.from({ length: 12 }, (_, i) => words(30, i)));
      await until(
        async () => (await holder.batch(batch.id)).completedAt !== null,
        30_000,
        'batch done',
      );
      expect((await holder.batch(batch.id)).counts.succeeded).toBe(12);
      expect(loadedServer.stats()[0]?.stats.generatedTokens).toBe(12 * 20);
      // The other server never even loaded the model.
      expect(coldServer.stats()).toEqual([]);
    } finally {
      await holder.close();
      await loadedServer.close();
      await coldServer.close();
    }
  }, 60_000);
});

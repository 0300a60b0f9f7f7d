import { keyPrefix, queueNames } from '@nightshift/core';
import { InteractiveTraffic } from '@nightshift/lanes';
import { createFakeNvidiaSmi, type FakeNvidiaSmi } from '@nightshift/testkit/fake-nvidia-smi';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { longText, sampleTexts } from '@nightshift/testkit/sample-documents';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until, workerUnderTest } from '../test-support/worker-under-test.ts';

let redis: RedisHarness;
let ollama: OllamaStandIn;
let smi: FakeNvidiaSmi;
let harness: Awaited<ReturnType<typeof workerUnderTest>> | undefined;

beforeAll(async () => {
  redis = await startRedis();
  ollama = await startOllamaStandIn({ tokenLatencyMs: 2 });
  smi = createFakeNvidiaSmi({ state: 'idle' });
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  ollama.reset();
  smi.setState('idle');
  smi.setBroken(null);
  const { Redis } = await import('ioredis');
  const client = new Redis(redis.url);
  await client.flushall();
  client.disconnect();
});
afterAll(async () => {
  smi.remove();
  await ollama.close();
  await redis.stop();
});

const gpuEnv = () => ({
  NIGHTSHIFT_GPU_PROBE: 'nvidia-smi',
  NIGHTSHIFT_NVIDIA_SMI: smi.binary,
  NIGHTSHIFT_PROVIDER: 'ollama',
  OLLAMA_HOST: ollama.url,
  NIGHTSHIFT_FALLBACK_MODELS: 'qwen2:7b',
});

describe('VRAM admission on the cold lane', () => {
  it('starts no cold job while free memory holds no session, and starts once it does', async () => {
    smi.setState('used-0.96'); // 5,634 MiB free: no session of 8 GiB fits
    harness = await workerUnderTest(redis, { ...gpuEnv(), NIGHTSHIFT_SLOT_MEMORY_MIB: '8192' });
    const batch = await harness.submit([sampleTexts.meetingNotes, sampleTexts.productDescription]);
    await new Promise((r) => setTimeout(r, 1_200)); // several probe periods
    expect((await harness.batch(batch.id)).counts).toMatchObject({ queued: 2, running: 0 });
    expect(ollama.requests.filter((r) => r.path === '/api/chat')).toHaveLength(0);
    expect(harness.worker.lane.snapshot().admission?.reason).toBe('vram_insufficient');

    smi.setState('used-0.50');
    await until(
      async () => (await harness?.batch(batch.id))?.counts.succeeded === 2,
      10_000,
      'batch done',
    );
  });

  it('runs on a card 96 % full when free memory still holds sessions (no percentage rule)', async () => {
    smi.setState('used-0.96'); // ⌊(5634 − 1024) / 1536⌋ = 3 sessions
    harness = await workerUnderTest(redis, gpuEnv());
    const batch = await harness.submit([sampleTexts.meetingNotes, sampleTexts.productDescription]);
    await until(
      async () => (await harness?.batch(batch.id))?.counts.succeeded === 2,
      10_000,
      'batch done',
    );
  });

  it('waits when the probe is broken (unknown VRAM), never crashing', async () => {
    smi.setBroken('garbage');
    harness = await workerUnderTest(redis, gpuEnv());
    const batch = await harness.submit([sampleTexts.meetingNotes]);
    await new Promise((r) => setTimeout(r, 800));
    expect(harness.worker.lane.snapshot().admission?.reason).toBe('vram_unknown');
    expect((await harness.batch(batch.id)).counts.running).toBe(0);
    smi.setBroken(null);
    await until(
      async () => (await harness?.batch(batch.id))?.counts.succeeded === 1,
      10_000,
      'batch done',
    );
  });

  it('sizes cold slots from free memory', async () => {
    smi.setState('used-0.50'); // ~71,486 MiB free on the H200 capture
    harness = await workerUnderTest(redis, {
      ...gpuEnv(),
      NIGHTSHIFT_COLD_CONCURRENCY: '8',
      NIGHTSHIFT_COLD_AUTOTUNE: 'false',
      NIGHTSHIFT_SLOT_MEMORY_MIB: '20000',
      NIGHTSHIFT_VRAM_RESERVE_MIB: '1024',
    });
    await until(
      () => harness?.worker.lane.snapshot().admission !== null,
      5_000,
      'first evaluation',
    );
    // ⌊(71486 − 1024) / 20000⌋ = 3 slots, under the configured 8.
    expect(harness.worker.lane.snapshot().admission?.slots).toBe(3);
  });
});

describe('preemption by the hot lane', () => {
  it('yields a running cold job at a chunk boundary and resumes it without redoing chunks', async () => {
    harness = await workerUnderTest(redis, {
      ...gpuEnv(),
      NIGHTSHIFT_NUM_CTX: '1024',
      NIGHTSHIFT_MAX_TOKENS: '64',
      NIGHTSHIFT_COLD_CONCURRENCY: '1',
    });
    const document = longText(3_000, { seed: 7 });
    const batch = await harness.submit([document]);
    const mapCalls = () =>
      ollama.requests.filter(
        (r) => r.path === '/api/chat' && (r.messages?.at(-1)?.content ?? '').length > 1500,
      );
    await until(() => mapCalls().length >= 2, 15_000, 'two chunks summarized');

    // The hot call is held for a second at the GPU: it is still running when the cold job
    // reaches its next chunk boundary (a chunk is ~130 ms), whatever the machine's speed.
    ollama.failNext({ kind: 'slow', delayMs: 1_000, model: 'qwen2:7b' });
    const hot = new Queue(queueNames.hot, { connection: harness.client, prefix: keyPrefix });
    const hotJob = await hot.add('summary', {
      tenant: 'acme',
      model: 'qwen2:7b',
      summary: {},
      content: { kind: 'text', text: sampleTexts.customerEmail },
    });
    const coldJob = await new Queue(queueNames.cold, {
      connection: harness.client,
      prefix: keyPrefix,
    }).getJob(`${batch.id}-0`);
    const coldStates = new Set<string>();
    await until(
      async () => {
        coldStates.add(String(await coldJob?.getState()));
        return (await hotJob.getState()) === 'completed';
      },
      15_000,
      'hot job done',
    );
    const checkpoint = await harness.store.loadCheckpoint<{ mapped: (string | null)[] }>(
      batch.id,
      'doc_0',
    );
    expect(checkpoint?.mapped.filter(Boolean).length).toBeGreaterThanOrEqual(2);
    // The cold job handed itself back to the queue (no attempt counted) while the hot job ran.
    expect([...coldStates].some((state) => state === 'waiting' || state === 'prioritized')).toBe(
      true,
    );
    await until(
      async () => (await harness?.batch(batch.id))?.counts.succeeded === 1,
      30_000,
      'cold done',
    );
    await hot.close();

    const chunkTexts = mapCalls().map((r) => r.messages?.at(-1)?.content);
    expect(new Set(chunkTexts).size).toBe(chunkTexts.length); // no chunk summarized twice
    const finished = await harness.store.loadCheckpoint(batch.id, 'doc_0');
    expect(finished).toBeNull(); // cleared once the document succeeded
    const hotIndex = ollama.requests.findIndex((r) =>
      (r.messages?.at(-1)?.content ?? '').includes(sampleTexts.customerEmail.slice(0, 40)),
    );
    const after = ollama.requests.slice(hotIndex + 1).filter((r) => mapCalls().includes(r));
    expect(after.length).toBeGreaterThan(0); // cold work went on after the hot job
  });
});

describe('interactive calls through the gateway', () => {
  /** The stand-in as one Ollama upstream with a single slot. */
  const oneSlot = () => ({
    ...gpuEnv(),
    NIGHTSHIFT_UPSTREAMS: JSON.stringify([
      { kind: 'ollama', url: ollama.url, models: ['*'], slots: 1 },
    ]),
  });

  it('lends a chat on its Ollama server one of its slots, and takes it back after', async () => {
    harness = await workerUnderTest(redis, oneSlot());
    // What an API replica's gateway records around a proxied chat call.
    const gateway = new InteractiveTraffic({ redis: harness.client });
    const chat = await gateway.begin('qwen3:32b', { server: ollama.url });
    // The server's places read the record every 250 ms: its one slot is the chat's.
    await until(
      () => harness?.worker.coldCapacity.snapshot()[0]?.limit === 0,
      5_000,
      'the server’s places see the chat',
    );
    const batch = await harness.submit([sampleTexts.meetingNotes]);
    await new Promise((r) => setTimeout(r, 800)); // several evaluations
    expect(ollama.requests.filter((r) => r.path === '/api/chat')).toHaveLength(0);

    await chat.end();
    await until(
      async () => (await harness?.batch(batch.id))?.counts.succeeded === 1,
      10_000,
      'batch done after the chat',
    );
  });

  it('ignores a chat call on another model server: one hung call holds only its own server', async () => {
    harness = await workerUnderTest(redis, oneSlot());
    const gateway = new InteractiveTraffic({ redis: harness.client });
    // A call that never ends, on a server this worker does not use.
    const elsewhere = await gateway.begin('qwen3:32b', { server: 'http://gpu-b.internal:11434' });
    const batch = await harness.submit([sampleTexts.meetingNotes]);
    await until(
      async () => (await harness?.batch(batch.id))?.counts.succeeded === 1,
      10_000,
      'cold work ran beside the other server’s call',
    );
    expect(harness.worker.coldCapacity.snapshot()[0]?.limit).toBe(1);
    // The same call on this worker's own server takes its slot.
    const here = await gateway.begin('qwen3:32b', { server: ollama.url });
    await until(
      () => harness?.worker.coldCapacity.snapshot()[0]?.limit === 0,
      5_000,
      'the server’s places see the chat on it',
    );
    const calls = ollama.requests.filter((r) => r.path === '/api/chat').length;
    const held = await harness.submit([sampleTexts.productDescription]);
    await new Promise((r) => setTimeout(r, 800));
    expect(ollama.requests.filter((r) => r.path === '/api/chat')).toHaveLength(calls);
    expect((await harness.batch(held.id)).counts.succeeded).toBe(0);
    await Promise.all([elsewhere.end(), here.end()]);
  });
});

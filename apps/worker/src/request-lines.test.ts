import { AccountingStore } from '@nightshift/accounting';
import { BatchSubmitter } from '@nightshift/batches';
import { InteractiveTraffic } from '@nightshift/lanes';
import { OpenAiBatches, OpenAiFileStore } from '@nightshift/openai-batches';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until, workerUnderTest } from '../test-support/worker-under-test.ts';

// Request lines of an OpenAI-compatible batch on a real worker's cold lane: they step aside
// for interactive work between two requests, and each runs once.
let redis: RedisHarness;
let ollama: OllamaStandIn;
let harness: Awaited<ReturnType<typeof workerUnderTest>>;
let submitter: BatchSubmitter;
let batches: OpenAiBatches;

beforeAll(async () => {
  redis = await startRedis();
  ollama = await startOllamaStandIn({ tokenLatencyMs: 15 });
  harness = await workerUnderTest(redis, {
    NIGHTSHIFT_PROVIDER: 'ollama',
    OLLAMA_HOST: ollama.url,
    NIGHTSHIFT_COLD_CONCURRENCY: '1',
    // One slot: a chat on the server takes it, and the lines wait for it between two requests.
    NIGHTSHIFT_UPSTREAMS: JSON.stringify([
      { kind: 'ollama', url: ollama.url, models: ['*'], slots: 1 },
    ]),
  });
  // One slot and 16 lines: the lines travel two to a cold job (see cold-groups.ts).
  submitter = new BatchSubmitter({
    connection: harness.client,
    store: harness.store,
    attempts: 2,
    resultTtlMs: 60_000,
    grouping: { maxPerJob: 16, slots: 1 },
  });
  const files = new OpenAiFileStore({ redis: harness.client, ttlMs: 60_000 });
  batches = new OpenAiBatches({
    redis: harness.client,
    files,
    store: harness.store,
    submitter,
    resultTtlMs: 60_000,
    maxLines: 100,
  });
});
afterAll(async () => {
  await submitter?.close();
  await harness?.close();
  await ollama?.close();
  await redis?.stop();
});

const chatCalls = () => ollama.requests.filter((r) => r.path === '/v1/chat/completions');

describe('request lines on the cold lane', () => {
  it('yield to an interactive call between two requests, then finish, each line once', async () => {
    const text = Array.from({ length: 16 }, (_, i) =>
      JSON.stringify({
        custom_id: `line-${i}`,
        method: 'POST',
        url: '/v1/chat/completions',
        body: {
          model: 'qwen2:7b',
          messages: [{ role: 'user', content: `one two three four five six ${i}` }],
        },
      }),
    ).join('\n');
    async function* once() {
      yield Buffer.from(text);
    }
    const file = await new OpenAiFileStore({ redis: harness.client, ttlMs: 60_000 }).write(
      'acme',
      { filename: 'in.jsonl', purpose: 'batch' },
      once(),
    );
    const batch = await batches.create('acme', {
      inputFileId: file.file.id,
      endpoint: '/v1/chat/completions',
      completionWindow: '24h',
      metadata: null,
    });
    await until(() => chatCalls().length >= 2, 10_000, 'two lines ran');

    // What an API replica's gateway records around a proxied chat call.
    const chat = await new InteractiveTraffic({ redis: harness.client }).begin('qwen2:7b');
    await until(
      () => harness.worker.coldCapacity.snapshot()[0]?.limit === 0,
      10_000,
      'the server’s one slot is the chat’s',
    );
    // The line in flight finishes; the next one waits for the slot.
    await until(
      () => harness.worker.coldCapacity.snapshot()[0]?.inFlight === 0,
      10_000,
      'the line in flight finished',
    );
    const held = chatCalls().length;
    await new Promise((r) => setTimeout(r, 600)); // several evaluations
    expect(chatCalls().length).toBe(held);
    expect(held).toBeLessThan(16);

    await chat.end();
    await until(
      async () => (await batches.get('acme', batch.id))?.status === 'completed',
      15_000,
      'batch done after the chat',
    );
    const calls = chatCalls().map((r) => r.messages?.at(-1)?.content);
    expect(calls).toHaveLength(16);
    expect(new Set(calls).size).toBe(16);
    expect((await batches.get('acme', batch.id))?.request_counts).toEqual({
      total: 16,
      completed: 16,
      failed: 0,
    });
    // Each line's GPU time is charged to its batch and document (no energy source: unknown).
    const accounting = new AccountingStore({ redis: harness.client });
    await until(
      async () => (await accounting.batchTotals(batch.id)).calls === 16,
      5_000,
      'every line charged',
    );
    const totals = await accounting.batchTotals(batch.id);
    expect(totals.gpuSeconds).toBeGreaterThan(0);
    expect(totals.energyWh).toBeNull();
    const lines = await accounting.documentTotals(batch.id, ['line-0', 'line-15']);
    expect(lines.get('line-0')?.gpuSeconds).toBeGreaterThan(0);
    expect(lines.get('line-15')?.gpuSeconds).toBeGreaterThan(0);
  });
});

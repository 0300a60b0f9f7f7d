import type { DocumentResult } from '@nightshift/core';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until, workerUnderTest } from '../test-support/worker-under-test.ts';

let redis: RedisHarness;
let ollama: OllamaStandIn | undefined;
let harness: Awaited<ReturnType<typeof workerUnderTest>> | undefined;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await harness?.close();
  await ollama?.close();
  await redis.stop();
});

const text =
  'The night batch started at ten. The model server was still loading. The worker summarized what it could and kept going.';

describe('NIGHTSHIFT_PROVIDER=auto follows Ollama without a restart', () => {
  it('starts extractive while Ollama is down, uses the model once it answers, and degrades when it goes away', async () => {
    // A port with nothing on it yet: the worker starts before Ollama, as on a host that boots.
    const vacant = await startOllamaStandIn();
    await vacant.close();
    const port = vacant.port;
    harness = await workerUnderTest(redis, {
      NIGHTSHIFT_PROVIDER: 'auto',
      OLLAMA_HOST: `http://127.0.0.1:${port}`,
      NIGHTSHIFT_FALLBACK_MODELS: 'qwen2:7b',
    });
    const h = harness;
    const summarize = async (): Promise<DocumentResult> => {
      const batch = await h.submit([text]);
      await until(
        async () => (await h.batch(batch.id)).counts.succeeded === 1,
        15_000,
        'document summarized',
      );
      const results: DocumentResult[] = [];
      for await (const result of h.store.results(batch.id)) results.push(result);
      return results[0] as DocumentResult;
    };

    expect(await summarize()).toMatchObject({ model: 'extractive', degraded: true });

    ollama = await startOllamaStandIn({ port });
    // The model layer leaves a server that refused a connection alone for 5 s, then asks it
    // for its models again (one GET /api/tags, shared by the calls that arrive meanwhile).
    await new Promise((resolve) => setTimeout(resolve, 5_300));
    expect(await summarize()).toMatchObject({ model: 'qwen3:32b', degraded: false });
    expect(ollama.requests.filter((r) => r.path === '/api/chat').length).toBeGreaterThan(0);
    expect(ollama.requests.filter((r) => r.path === '/api/tags')).toHaveLength(1);

    await ollama.close();
    ollama = undefined;
    // No wait: the first call that finds Ollama gone falls through to the extractive summarizer.
    expect(await summarize()).toMatchObject({ model: 'extractive', degraded: true });
  });
});

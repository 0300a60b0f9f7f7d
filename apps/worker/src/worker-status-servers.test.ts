import { FleetRegistry } from '@nightshift/fleet';
import { InteractiveTraffic } from '@nightshift/lanes';
import { createRedis } from '@nightshift/redis';
import { type GpuStandIn, startGpuStandIn } from '@nightshift/testkit/gpu-stand-in';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until, workerUnderTest } from '../test-support/worker-under-test.ts';

let redis: RedisHarness;
let client: Redis;
let gpu: GpuStandIn | undefined;
let vllm: GpuStandIn | undefined;
let harness: Awaited<ReturnType<typeof workerUnderTest>> | undefined;

beforeAll(async () => {
  redis = await startRedis();
  client = createRedis(redis.url, 'client');
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await gpu?.close();
  await vllm?.close();
  gpu = vllm = undefined;
  await client.flushall();
});
afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

describe("a worker's status lists its model servers' cold places", () => {
  it('names each server without its address, with its places, cold calls and chats', async () => {
    gpu = await startGpuStandIn({ mode: 'ollama', ollama: { parallel: 3, loadMs: 0 } });
    vllm = await startGpuStandIn({ engine: { maxNumSeqs: 16 } });
    const upstreams = [
      { kind: 'ollama', url: gpu.url, models: ['qwen2:7b'], slots: 3 },
      { kind: 'openai', url: `${vllm.url}/v1`, models: ['qwen2:7b'], maxSequences: 16 },
    ];
    harness = await workerUnderTest(redis, {
      NIGHTSHIFT_PROVIDER: 'ollama',
      NIGHTSHIFT_UPSTREAMS: JSON.stringify(upstreams),
      NIGHTSHIFT_MODEL: 'qwen2:7b',
      NIGHTSHIFT_FALLBACK_MODELS: ' ',
    });
    const chat = await new InteractiveTraffic({ redis: client }).begin('qwen2:7b', {
      server: gpu.url,
    });
    const registry = new FleetRegistry({ redis: client });
    const servers = async () => {
      const [status] = await registry.list();
      return status?.lanes.cold.servers;
    };
    // The chat shows once the worker's cold places have read it (every 250 ms).
    const listed = await until(
      async () => ((await servers())?.[0]?.chats === 1 ? servers() : undefined),
      10_000,
      'the chat counted on the Ollama server',
    );
    await chat.end();
    const [ollama, batching] = listed;
    expect(ollama).toMatchObject({
      kind: 'ollama',
      batching: 'slots',
      places: 3,
      limit: 2,
      coldInFlight: 0,
      coldInFlightAll: 0,
      chats: 1,
    });
    expect(batching).toMatchObject({
      kind: 'openai',
      batching: 'continuous',
      places: 15,
      chats: null,
    });
    expect(ollama?.id).toMatch(/^server-[0-9a-f]{10}$/);
    expect(ollama?.id).not.toBe(batching?.id);
    // Tenants read GET /v1/workers: no server address or port in what the worker publishes.
    const published = JSON.stringify(await registry.list());
    expect(published).not.toContain('127.0.0.1');
  });
});

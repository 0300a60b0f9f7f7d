import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetRegistry } from './fleet-registry.ts';
import { ModelPlacement } from './model-placement.ts';
import { recentFleet } from './recent-fleet.ts';
import type { WorkerStatus } from './worker-status.ts';

let harness: RedisHarness;
let redis: Redis;
let registry: FleetRegistry;

beforeAll(async () => {
  harness = await startRedis();
  redis = new Redis(harness.url);
  registry = new FleetRegistry({ redis });
});
afterAll(async () => {
  redis.disconnect();
  await harness.stop();
});

const sameModel = (a: string, b: string) => a.replace(/:latest$/, '') === b.replace(/:latest$/, '');

function status(id: string, modelsLoaded: string[], paused = false): WorkerStatus {
  return {
    id,
    host: id,
    pid: 1,
    startedAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    provider: 'ollama',
    gpu: { probe: 'none', status: 'none', gpus: [] },
    window: { spec: 'always', timeZone: 'UTC', open: true, nextTransition: null },
    lanes: {
      hot: { slots: 2, running: 0 },
      cold: { slots: 4, running: 4, paused, reason: 'slots_full' },
    },
    modelsLoaded,
    recentHotMs: [],
  };
}

describe('ModelPlacement over the fleet registry', () => {
  const placementFor = (workerId: string, maxWaitMs?: number) =>
    new ModelPlacement({
      workerId,
      fleet: recentFleet(registry, 0),
      sameModel,
      ...(maxWaitMs !== undefined ? { maxWaitMs } : {}),
    });

  it('leaves a job to the worker that has its model loaded, and runs what only it has', async () => {
    await registry.publish(status('gpu-a', ['qwen3:32b']));
    await registry.publish(status('gpu-b', ['llama3:latest']));
    const now = Date.now();
    expect(await placementFor('gpu-b').place('qwen3:32b', now)).toEqual({
      run: 'elsewhere',
      workerId: 'gpu-a',
    });
    expect(await placementFor('gpu-a').place('qwen3:32b', now)).toEqual({ run: 'here' });
    expect(await placementFor('gpu-b').place('llama3', now)).toEqual({ run: 'here' });
  });

  it('loads the model here when nobody has it, when its holder is paused, or after the wait', async () => {
    await registry.publish(status('gpu-a', ['qwen3:32b'], true));
    await registry.publish(status('gpu-b', []));
    const now = Date.now();
    expect(await placementFor('gpu-b').place('mistral:7b', now)).toEqual({ run: 'here' });
    expect(await placementFor('gpu-b').place('qwen3:32b', now)).toEqual({ run: 'here' });
    await registry.publish(status('gpu-a', ['qwen3:32b']));
    const placement = placementFor('gpu-b', 60_000);
    expect((await placement.place('qwen3:32b', now - 59_000)).run).toBe('elsewhere');
    expect((await placement.place('qwen3:32b', now - 60_000)).run).toBe('here');
  });

  it('runs here when the fleet cannot be read', async () => {
    const placement = new ModelPlacement({
      workerId: 'gpu-b',
      fleet: () => Promise.reject(new Error('Redis away')),
      sameModel,
    });
    expect(await placement.place('qwen3:32b', Date.now())).toEqual({ run: 'here' });
  });
});

import { keyPrefix } from '@nightshift/core';
import { gpuMemorySchema, parseNvidiaSmiCsv } from '@nightshift/gpu';
import { createRedis } from '@nightshift/redis';
import { type RedisHarness, readNvidiaSmiCapture, startRedis } from '@nightshift/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FleetRegistry } from './fleet-registry.ts';
import type { WorkerStatus } from './worker-status.ts';

let harness: RedisHarness;
let redis: Redis;
let registry: FleetRegistry;
beforeAll(async () => {
  harness = await startRedis();
  redis = createRedis(harness.url, 'client');
  registry = new FleetRegistry({ redis });
});
beforeEach(async () => {
  await redis.flushall();
});
afterAll(async () => {
  redis?.disconnect();
  await harness?.stop();
});

/** The GPUs exactly as the nvidia-smi probe reads them from a real H200 capture (uuid included). */
function h200Gpus() {
  const parsed = parseNvidiaSmiCsv(readNvidiaSmiCapture('used-0.50', 'query-gpu.csv'));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.gpus;
}

function workerStatus(id: string): WorkerStatus {
  return {
    id,
    host: 'gpu-node-7',
    pid: 4242,
    startedAt: '2026-01-15T18:00:00.000Z',
    updatedAt: new Date().toISOString(),
    provider: 'ollama',
    gpu: { probe: 'nvidia-smi', status: 'ok', gpus: h200Gpus() },
    window: { spec: '22:00-06:00', timeZone: 'UTC', open: true, nextTransition: null },
    lanes: {
      hot: { slots: 2, running: 0 },
      cold: { slots: 2, running: 1, paused: false, reason: null },
    },
    modelsLoaded: ['qwen3:32b'],
    recentHotMs: [2310],
  };
}

/** Stores a status the way {@link FleetRegistry.publish} does, but with any text at all. */
async function storeRaw(id: string, text: string): Promise<void> {
  await redis
    .multi()
    .set(`${keyPrefix}:worker:${id}`, text, 'PX', 10_000)
    .zadd(`${keyPrefix}:workers`, Date.now(), id)
    .exec();
}

describe('FleetRegistry', () => {
  it('carries the GPU reading the probe made, uuid included, in the one shape', () => {
    const gpus = h200Gpus();
    expect(gpus.length).toBeGreaterThan(0);
    for (const gpu of gpus) expect(gpuMemorySchema.parse(gpu)).toEqual(gpu);
    expect(gpus[0]?.uuid).toMatch(/^GPU-/);
  });

  it('lists a published status back byte for byte as the worker published it', async () => {
    const status = workerStatus('gpu-node-7:4242');
    await registry.publish(status);
    const listed = await registry.list();
    expect(listed).toEqual([status]);
    expect(JSON.stringify(listed[0])).toBe(JSON.stringify(status));
  });

  it('keeps fields it does not know, so a newer worker is shown as it published itself', async () => {
    const newer = { ...workerStatus('gpu-node-8:1'), energyJoules: 1234 };
    await storeRaw(newer.id, JSON.stringify(newer));
    expect(JSON.stringify(await registry.list())).toBe(JSON.stringify([newer]));
  });

  it('leaves out stored statuses that are not JSON or do not match the contract', async () => {
    const good = workerStatus('gpu-node-7:4242');
    await registry.publish(good);
    await storeRaw('not-json', '{"id": "not-json", ');
    await storeRaw('no-gpu', JSON.stringify({ ...good, id: 'no-gpu', gpu: undefined }));
    const { gpus } = good.gpu;
    const textPct = { ...good.gpu, gpus: gpus.map((g) => ({ ...g, usedPct: `${g.usedPct}%` })) };
    await storeRaw('text-pct', JSON.stringify({ ...good, id: 'text-pct', gpu: textPct }));
    expect((await registry.list()).map((w) => w.id)).toEqual(['gpu-node-7:4242']);
  });

  it('forgets a removed worker', async () => {
    await registry.publish(workerStatus('gpu-node-7:4242'));
    await registry.remove('gpu-node-7:4242');
    expect(await registry.list()).toEqual([]);
  });
});

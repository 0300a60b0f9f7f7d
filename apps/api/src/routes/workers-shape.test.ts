import { keyPrefix } from '@nightshift/core';
import { gpuMemorySchema } from '@nightshift/gpu';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';
import { h200WorkerStatus } from '../../test-support/dashboard-seed.ts';

let api: Awaited<ReturnType<typeof apiUnderTest>>;
beforeAll(async () => {
  api = await apiUnderTest();
});
beforeEach(async () => {
  await api.client.flushall();
});
afterAll(async () => {
  await api?.close();
});

/** A worker status as nvidia-smi fills it: the GPU's uuid is part of the reading. */
function publishedStatus() {
  const status = h200WorkerStatus(new Date());
  const [gpu] = status.gpu.gpus;
  if (!gpu) throw new Error('the seed has a GPU');
  return {
    ...status,
    gpu: { ...status.gpu, gpus: [{ ...gpu, uuid: 'GPU-6a4cea9d-7f70-8535-1535-726ba0697780' }] },
  };
}

describe('GET /v1/workers', () => {
  it('returns each worker exactly as it published itself, GPU reading included', async () => {
    const status = publishedStatus();
    await api.fleet.publish(status);
    const res = await api.app.request('/v1/workers', { headers: api.auth() });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(JSON.stringify({ object: 'list', data: [status] }));
  });

  it('answers 200 with the valid workers when a stored status is not one', async () => {
    const status = publishedStatus();
    await api.fleet.publish(status);
    await api.client
      .multi()
      .set(`${keyPrefix}:worker:broken`, '{"id":"broken","gpu":', 'PX', 10_000)
      .zadd(`${keyPrefix}:workers`, Date.now(), 'broken')
      .exec();
    const res = await api.app.request('/v1/workers', { headers: api.auth() });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { id: string }[] };
    expect(body.data.map((w) => w.id)).toEqual([status.id]);
  });

  it('documents every field of the GPU reading the workers publish', async () => {
    const document = (await (await api.app.request('/openapi.json')).json()) as {
      components?: { schemas?: Record<string, unknown> };
    };
    const workerStatus = document.components?.schemas?.WorkerStatus as {
      properties: { gpu: { properties: { gpus: { items: { properties: object } } } } };
    };
    const documented = Object.keys(workerStatus.properties.gpu.properties.gpus.items.properties);
    expect(documented.sort()).toEqual(Object.keys(gpuMemorySchema.shape).sort());
  });
});

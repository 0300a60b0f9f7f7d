import { createRedis } from '@nightshift/redis';
import { type GpuStandIn, startGpuStandIn } from '@nightshift/testkit/gpu-stand-in';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { until } from '@nightshift/testkit/until';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ColdPlaceLeases } from './cold-place-leases.ts';
import type { ColdServer } from './cold-servers.ts';
import { InteractiveTraffic } from './interactive-traffic.ts';
import { ServerColdCapacity } from './server-cold-capacity.ts';

const MODEL = 'qwen2:7b';

let redis: RedisHarness;
let client: Redis;
const cleanups: Array<() => unknown> = [];
beforeAll(async () => {
  redis = await startRedis();
  client = createRedis(redis.url, 'client');
});
beforeEach(async () => {
  await client.flushall();
});
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});
afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

async function ollamaStandIn(parallel: number): Promise<GpuStandIn> {
  const gpu = await startGpuStandIn({
    mode: 'ollama',
    engine: { stepBaseMs: 5 },
    ollama: { parallel, loadMs: 0 },
  });
  cleanups.push(() => gpu.close());
  return gpu;
}

/** A worker's cold capacity over `servers`, on its own Redis connection. */
function worker(
  servers: ColdServer[],
  options: { leaseMs?: number; interactiveOn?: (server: string) => Promise<number> } = {},
): { capacity: ServerColdCapacity<ColdServer>; connection: Redis } {
  const connection = createRedis(redis.url, 'client');
  const capacity = new ServerColdCapacity<ColdServer>({
    servers,
    pollMs: 50,
    shared: new ColdPlaceLeases({
      redis: connection,
      ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
    }),
    ...(options.interactiveOn ? { interactiveOn: options.interactiveOn } : {}),
  });
  capacity.start();
  cleanups.push(() => {
    capacity.stop();
    connection.disconnect();
  });
  return { capacity, connection };
}

/** A real chat on `server`: Ollama's native API. */
function ollamaCall(server: ColdServer, i: number): Promise<Response> {
  return fetch(`${server.url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: MODEL,
      stream: false,
      messages: [{ role: 'user', content: `document ${i} ${'w '.repeat(20)}` }],
      options: { num_predict: 12 },
    }),
  });
}

/** A real chat on `server`: a chat completion. */
function openAiCall(server: ColdServer, i: number): Promise<Response> {
  return fetch(`${server.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: `document ${i} ${'w '.repeat(20)}` }],
      max_tokens: 12,
    }),
  });
}

type Call = (server: ColdServer, i: number) => Promise<Response>;

/** One cold call as the worker makes it: a place, a real chat on the server, the place back. */
async function coldCall(
  capacity: ServerColdCapacity<ColdServer>,
  server: ColdServer,
  i: number,
  call: Call,
) {
  const slot = await capacity.acquire([server]);
  try {
    const response = await call(slot.server, i);
    expect(response.status).toBe(200);
    await response.json();
  } finally {
    slot.release();
  }
}

/** Runs `count` cold calls at once on each worker while sampling the server every 5 ms. */
async function together(
  gpu: GpuStandIn,
  workers: ServerColdCapacity<ColdServer>[],
  server: ColdServer,
  count: number,
  call: Call = ollamaCall,
): Promise<number> {
  let held = 0;
  const timer = setInterval(() => {
    const { active, waiting } = gpu.queue();
    held = Math.max(held, active + waiting);
  }, 5);
  try {
    await Promise.all(
      workers.flatMap((w, k) =>
        Array.from({ length: count }, (_, i) => coldCall(w, server, k * 1000 + i, call)),
      ),
    );
  } finally {
    clearInterval(timer);
  }
  return held;
}

describe('cold places shared by the workers of one server', () => {
  it('never lets two workers hold more cold calls on a fixed-slot server than its slots', async () => {
    const gpu = await ollamaStandIn(3);
    const server: ColdServer = { kind: 'ollama', url: gpu.url, models: [MODEL], slots: 3 };
    const a = worker([server]);
    const b = worker([server]);
    const held = await together(gpu, [a.capacity, b.capacity], server, 12);
    expect(held).toBe(3);
    const left = new ColdPlaceLeases({ redis: client });
    expect(await left.coldOn(gpu.url)).toBe(0);
  });

  it('keeps two workers on a continuous-batching server within maxSequences − chatReserve together', async () => {
    const gpu = await startGpuStandIn({ engine: { stepBaseMs: 5, maxNumSeqs: 16 } });
    cleanups.push(() => gpu.close());
    const server: ColdServer = {
      kind: 'openai',
      url: `${gpu.url}/v1`,
      models: [MODEL],
      slots: 8,
      maxSequences: 8,
      chatReserve: 2,
      // No gauges: the places alone bound the cold calls.
      metricsUrl: 'none',
    };
    const a = worker([server]);
    const b = worker([server]);
    expect(await together(gpu, [a.capacity, b.capacity], server, 12, openAiCall)).toBe(6);
  });

  it('is needed: without the shared count the two workers together pass the slots', async () => {
    const gpu = await ollamaStandIn(3);
    const server: ColdServer = { kind: 'ollama', url: gpu.url, models: [MODEL], slots: 3 };
    const alone = () => {
      const capacity = new ServerColdCapacity<ColdServer>({ servers: [server] });
      capacity.start();
      cleanups.push(() => capacity.stop());
      return capacity;
    };
    expect(await together(gpu, [alone(), alone()], server, 6)).toBeGreaterThan(3);
  });

  it('gives each chat running on the server one of the slots, read in the same step', async () => {
    const gpu = await ollamaStandIn(3);
    const server: ColdServer = { kind: 'ollama', url: gpu.url, models: [MODEL], slots: 3 };
    const chat = await new InteractiveTraffic({ redis: client }).begin(MODEL, { server: gpu.url });
    cleanups.push(() => chat.end());
    const a = worker([server]);
    const b = worker([server]);
    // The chat's lease is all the stand-in does not see: two slots are left for cold calls.
    expect(await together(gpu, [a.capacity, b.capacity], server, 8)).toBe(2);
  });

  it("frees a dead worker's places once their leases lapse, and keeps a running call's", async () => {
    const url = 'http://gpu1:11434';
    const deadConnection = createRedis(redis.url, 'client');
    const dead = new ColdPlaceLeases({ redis: deadConnection, leaseMs: 300 });
    const ask = { server: url, places: 2, chatsTakePlaces: true };
    const first = await dead.take(ask);
    const second = await dead.take(ask);
    expect([Boolean(first.lease), Boolean(second.lease), second.cold]).toEqual([true, true, 2]);
    const live = new ColdPlaceLeases({ redis: client, leaseMs: 300 });
    // The same server under another URL of it (its OpenAI layer) has the same two places.
    const refused = await live.take({ ...ask, server: `${url}/v1` });
    expect([refused.lease, refused.cold]).toEqual([undefined, 2]);
    // Running calls outlive their lease time: their places are renewed.
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await live.coldOn(url)).toBe(2);
    await first.lease?.release();
    expect(await live.coldOn(url)).toBe(1);
    // The worker dies (its renewals stop): within a lease time its place is free again.
    deadConnection.disconnect();
    await until(async () => (await live.coldOn(url)) === 0, 5_000, 'dead places lapsed');
    const taken = await live.take(ask);
    expect(taken.cold).toBe(1);
    await taken.lease?.release();
  });
});

import { keyPrefix } from '@nightshift/core';
import { createNoneProbe, parseColdWindows } from '@nightshift/gpu';
import { createRedis } from '@nightshift/redis';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { until } from '@nightshift/testkit/until';
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ColdLaneController, type ColdLaneControllerOptions } from './cold-lane-controller.ts';
import { InteractiveTraffic } from './interactive-traffic.ts';

let redis: RedisHarness;
let client: Redis;
beforeAll(async () => {
  redis = await startRedis();
  client = createRedis(redis.url, 'worker');
});
afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

/** A lane on a worker and hot queue of the test's own, with no GPU facts; the test drives evaluate(). */
function laneOn(
  worker: Worker,
  hot: Queue,
  options: Pick<ColdLaneControllerOptions, 'windows' | 'maxSlots' | 'graceMs'> &
    Partial<ColdLaneControllerOptions>,
) {
  return new ColdLaneController({
    coldWorker: worker,
    hotQueue: hot,
    timeZone: 'UTC',
    probe: createNoneProbe(),
    reserveMiB: 0,
    memoryPerSlotMiB: 1536,
    pollMs: 60_000,
    ...options,
  });
}

describe('off-peak windows on an injected clock', () => {
  it('opens at 22:00, closes at 06:00, and starts no cold job after close', async () => {
    let now = new Date('2026-11-27T21:59:59Z');
    const processed: string[] = [];
    const cold = new Queue('window-cold', { connection: client, prefix: keyPrefix });
    const hot = new Queue('window-hot', { connection: client, prefix: keyPrefix });
    let tracked: (job: Job, token?: string) => Promise<void> = async () => {};
    const worker = new Worker('window-cold', (job, token) => tracked(job, token), {
      connection: client,
      prefix: keyPrefix,
      autorun: false,
    });
    const lane = laneOn(worker, hot, {
      windows: parseColdWindows('22:00-06:00'),
      maxSlots: 2,
      graceMs: 60_000,
      now: () => now,
    });
    tracked = lane.track(async (job) => {
      processed.push(job.name);
    });
    await lane.start();
    await cold.add('before-open', {});
    await new Promise((r) => setTimeout(r, 300));
    expect(processed).toEqual([]);
    expect(lane.snapshot()).toMatchObject({ paused: true, admission: { reason: 'window_closed' } });
    expect(lane.snapshot().window.nextTransition?.toISOString()).toBe('2026-11-27T22:00:00.000Z');

    now = new Date('2026-11-27T22:00:00Z');
    await lane.evaluate();
    await until(() => processed.includes('before-open'), 5_000, 'first cold job after open');
    expect(lane.snapshot().window.nextTransition?.toISOString()).toBe('2026-11-28T06:00:00.000Z');

    now = new Date('2026-11-28T06:00:00Z');
    await lane.evaluate();
    expect(lane.snapshot().paused).toBe(true);
    expect(lane.shouldYield()).toBe(false); // inside the grace period running jobs may finish
    await cold.add('after-close', {});
    await new Promise((r) => setTimeout(r, 500));
    expect(processed).toEqual(['before-open']);

    now = new Date('2026-11-28T06:01:00Z');
    await lane.evaluate();
    expect(lane.shouldYield()).toBe(true); // grace over: running cold jobs yield

    await lane.stop();
    await worker.close();
    await Promise.all([cold.obliterate({ force: true }), hot.close()]);
    await cold.close();
  });

  it('lets cold work run outside the window under deadline pressure, not otherwise', async () => {
    let pressure = false;
    const cold = new Queue('pressure-cold', { connection: client, prefix: keyPrefix });
    const hot = new Queue('pressure-hot', { connection: client, prefix: keyPrefix });
    const worker = new Worker('pressure-cold', async () => {}, {
      connection: client,
      prefix: keyPrefix,
      autorun: false,
    });
    const lane = laneOn(worker, hot, {
      windows: parseColdWindows('never'),
      maxSlots: 1,
      graceMs: 0,
      deadlinePressure: () => pressure,
    });
    await lane.start();
    expect(lane.snapshot().paused).toBe(true);
    pressure = true;
    await lane.evaluate();
    expect(lane.snapshot()).toMatchObject({ paused: false, admission: { reason: 'ok' } });
    expect(lane.shouldYield()).toBe(false);
    await lane.stop();
    await worker.close();
    await Promise.all([cold.close(), hot.close()]);
  });
});

describe('hot reserve', () => {
  it('keeps cold slots free while hot traffic is recent, and gives them back when it goes quiet', async () => {
    let now = new Date('2026-11-27T23:00:00Z');
    const cold = new Queue('reserve-cold', { connection: client, prefix: keyPrefix });
    const hot = new Queue('reserve-hot', { connection: client, prefix: keyPrefix });
    const worker = new Worker('reserve-cold', async () => {}, {
      connection: client,
      prefix: keyPrefix,
      autorun: false,
    });
    const lane = laneOn(worker, hot, {
      windows: parseColdWindows('always'),
      maxSlots: 4,
      graceMs: 0,
      hotReserveSlots: 1,
      hotIdleMs: 60_000,
      now: () => now,
    });
    await lane.start();
    expect(worker.concurrency).toBe(4);
    lane.noteHotActivity();
    await lane.evaluate();
    expect(worker.concurrency).toBe(3); // one GPU slot kept for interactive work
    now = new Date('2026-11-27T23:01:01Z');
    await lane.evaluate();
    expect(worker.concurrency).toBe(4); // quiet for a minute: all slots back to batch work
    await lane.stop();
    await worker.close();
    await Promise.all([cold.close(), hot.close()]);
  });
});

describe('a full lane', () => {
  it('stays running with every slot busy: a finishing job hands its slot straight to the next', async () => {
    const cold = new Queue('full-cold', { connection: client, prefix: keyPrefix });
    const hot = new Queue('full-hot', { connection: client, prefix: keyPrefix });
    const started: string[] = [];
    const release = new Map<string, () => void>();
    let tracked: (job: Job, token?: string) => Promise<void> = async () => {};
    const worker = new Worker('full-cold', (job, token) => tracked(job, token), {
      connection: client,
      prefix: keyPrefix,
      autorun: false,
    });
    const lane = laneOn(worker, hot, {
      windows: parseColdWindows('always'),
      maxSlots: 2,
      graceMs: 0,
    });
    tracked = lane.track(async (job) => {
      started.push(job.name);
      await new Promise<void>((resolve) => release.set(job.name, resolve));
    });
    await lane.start();
    await cold.addBulk(['a', 'b', 'c'].map((name) => ({ name, data: {} })));
    await until(() => started.length === 2, 5_000, 'both slots busy');
    await lane.evaluate(); // the poll sees every slot running
    expect(lane.snapshot()).toMatchObject({ paused: false, admission: { reason: 'slots_full' } });
    expect(worker.isPaused()).toBe(false);
    // No evaluation in between (the poll is a minute): the finished job's slot takes the next.
    release.get(started[0] as string)?.();
    await until(() => started.length === 3, 5_000, 'the third job in the freed slot');
    for (const done of release.values()) done();
    await lane.stop();
    await worker.close();
    await Promise.all([cold.close(), hot.close()]);
  });
});

describe('interactive calls outside BullMQ (the gateway)', () => {
  afterEach(async () => {
    await client.del(`${keyPrefix}:interactive:leases`, `${keyPrefix}:interactive:models`);
  });

  it('stops cold work while a call is in flight, like a waiting hot job, and keeps the reserve after it', async () => {
    let now = new Date('2026-11-27T23:00:00Z');
    const processed: string[] = [];
    const cold = new Queue('interactive-cold', { connection: client, prefix: keyPrefix });
    const hot = new Queue('interactive-hot', { connection: client, prefix: keyPrefix });
    let tracked: (job: Job, token?: string) => Promise<void> = async () => {};
    const worker = new Worker('interactive-cold', (job, token) => tracked(job, token), {
      connection: client,
      prefix: keyPrefix,
      autorun: false,
    });
    // The API replica's record and the worker's reader share one Redis, nothing else.
    const gateway = new InteractiveTraffic({ redis: client, now: () => now.getTime() });
    const lane = laneOn(worker, hot, {
      windows: parseColdWindows('always'),
      maxSlots: 2,
      graceMs: 0,
      hotReserveSlots: 1,
      hotIdleMs: 60_000,
      now: () => now,
      interactive: new InteractiveTraffic({ redis: client, now: () => now.getTime() }),
    });
    tracked = lane.track(async (job) => {
      processed.push(job.name);
    });
    await lane.start();
    expect(lane.snapshot()).toMatchObject({ paused: false, interactiveInFlight: 0 });
    expect(worker.concurrency).toBe(2);

    const chat = await gateway.begin('qwen3:32b');
    await lane.evaluate();
    expect(lane.snapshot()).toMatchObject({
      paused: true,
      interactiveInFlight: 1,
      admission: { reason: 'hot_waiting' },
    });
    expect(lane.shouldYield()).toBe(true); // running cold jobs hand back at their next chunk
    await cold.add('during-chat', {});
    await new Promise((r) => setTimeout(r, 300));
    expect(processed).toEqual([]);

    await chat.end();
    now = new Date('2026-11-27T23:00:30Z');
    await lane.evaluate();
    await until(() => processed.includes('during-chat'), 5_000, 'cold work after the chat');
    expect(lane.snapshot()).toMatchObject({ paused: false, interactiveInFlight: 0 });
    expect(lane.shouldYield()).toBe(false);
    expect(worker.concurrency).toBe(1); // the chat was 30 s ago: one slot stays reserved

    now = new Date('2026-11-27T23:01:01Z');
    await lane.evaluate();
    expect(worker.concurrency).toBe(2); // a minute after the chat was last seen: all slots back
    await lane.stop();
    await worker.close();
    await Promise.all([cold.obliterate({ force: true }), hot.close()]);
    await cold.close();
  });

  it('takes cold work again once a crashed API replica’s lease lapses', async () => {
    let now = new Date('2026-11-27T23:00:00Z');
    const cold = new Queue('lapse-cold', { connection: client, prefix: keyPrefix });
    const hot = new Queue('lapse-hot', { connection: client, prefix: keyPrefix });
    const worker = new Worker('lapse-cold', async () => {}, {
      connection: client,
      prefix: keyPrefix,
      autorun: false,
    });
    const replica = createRedis(redis.url, 'client');
    const crashing = new InteractiveTraffic({
      redis: replica,
      leaseMs: 30_000,
      now: () => now.getTime(),
    });
    const orphan = await crashing.begin('qwen3:32b');
    replica.disconnect(); // the replica dies mid-call: its lease is never renewed nor ended
    const lane = laneOn(worker, hot, {
      windows: parseColdWindows('always'),
      maxSlots: 1,
      graceMs: 0,
      now: () => now,
      interactive: new InteractiveTraffic({ redis: client, now: () => now.getTime() }),
    });
    await lane.start();
    expect(lane.snapshot()).toMatchObject({ paused: true, interactiveInFlight: 1 });

    now = new Date('2026-11-27T23:00:30Z');
    await lane.evaluate();
    expect(lane.snapshot()).toMatchObject({
      paused: false,
      interactiveInFlight: 0,
      admission: { reason: 'ok' },
    });
    expect(lane.shouldYield()).toBe(false);
    await orphan.end().catch(() => {}); // stops its renewal timer; Redis is out of reach
    await lane.stop();
    await worker.close();
    await Promise.all([cold.close(), hot.close()]);
  });

  it('counts an unreadable record as no interactive call, as it does the hot queue', async () => {
    const away = createRedis(redis.url, 'client');
    away.disconnect();
    const cold = new Queue('unreadable-cold', { connection: client, prefix: keyPrefix });
    const hot = new Queue('unreadable-hot', { connection: client, prefix: keyPrefix });
    const worker = new Worker('unreadable-cold', async () => {}, {
      connection: client,
      prefix: keyPrefix,
      autorun: false,
    });
    const interactive = new InteractiveTraffic({ redis: away });
    await expect(interactive.inFlight()).rejects.toThrow();
    const lane = laneOn(worker, hot, {
      windows: parseColdWindows('always'),
      maxSlots: 1,
      graceMs: 0,
      interactive,
    });
    await lane.start();
    expect(lane.snapshot()).toMatchObject({ paused: false, interactiveInFlight: 0 });
    await lane.stop();
    await worker.close();
    await Promise.all([cold.close(), hot.close()]);
  });
});

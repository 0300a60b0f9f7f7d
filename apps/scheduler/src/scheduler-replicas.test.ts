import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BatchStore } from '@nightshift/batches';
import { createRedis } from '@nightshift/redis';
import { ScheduleStore } from '@nightshift/schedules';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';

let harness: RedisHarness;
let redis: Redis;
const children: ChildProcess[] = [];
const main = fileURLToPath(new URL('./main.ts', import.meta.url));

beforeAll(async () => {
  harness = await startRedis();
  redis = createRedis(harness.url, 'client');
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  redis.disconnect();
  await harness.stop();
});

/** A real scheduler process (tsx), resolved once it logs that it runs. */
function startProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { ...process.env, REDIS_URL: harness.url, NIGHTSHIFT_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('scheduler running')) resolve(child);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`scheduler exited ${code}: ${output}`)));
  });
}

const stopProcess = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

it('three scheduler processes create exactly one batch per fire: no gaps, none doubled', async () => {
  const store = new ScheduleStore({ redis });
  const schedule = await store.create('acme', {
    name: 'every second',
    cron: '* * * * * *',
    timezone: 'UTC',
    source: { kind: 'inline', documents: [{ text: 'Tick.' }] },
  });
  const replicas = await Promise.all([startProcess(), startProcess(), startProcess()]);
  const allUp = Date.now();
  await new Promise((r) => setTimeout(r, 9_000));
  const lastWanted = Date.now();
  expect(await Promise.all(replicas.map(stopProcess))).toEqual([0, 0, 0]);

  const log = (await store.runs(schedule.id, 1000)).reverse();
  const fireTimesAll = log.map((r) => Date.parse(r.fireTime));
  expect(new Set(fireTimesAll).size).toBe(fireTimesAll.length); // none doubled
  // Seconds that passed while the processes were still starting are recorded `missed`
  // (catchUp: none); everything after is a submitted batch.
  const missed = log.filter((r) => r.status === 'missed');
  expect(missed.every((r) => Date.parse(r.fireTime) < allUp)).toBe(true);
  const runs = log.filter((r) => r.status !== 'missed');
  expect(runs.every((r) => r.status === 'submitted' && r.batchId)).toBe(true);
  const fireTimes = runs.map((r) => Date.parse(r.fireTime));

  // Every second from the first full second with all three up to the last one before the stop.
  const first = Math.ceil(allUp / 1000) * 1000 + 1000;
  const last = Math.floor(lastWanted / 1000) * 1000 - 1000;
  const expected: number[] = [];
  for (let t = first; t <= last; t += 1000) expected.push(t);
  expect(expected.length).toBeGreaterThanOrEqual(7);
  expect(fireTimes.filter((t) => t >= first && t <= last)).toEqual(expected); // no gaps

  // The batches themselves: one per run, each carrying the schedule id.
  const batches = await new BatchStore({ redis, resultTtlMs: 60_000 }).list('acme', { limit: 100 });
  const scheduled = batches.data.filter((b) => b.scheduleId === schedule.id);
  expect(scheduled.map((b) => b.id).sort()).toEqual(runs.map((r) => r.batchId).sort());
}, 30_000);

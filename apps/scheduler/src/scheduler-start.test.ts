import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createRedis } from '@nightshift/redis';
import { scheduleKeys } from '@nightshift/schedules';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';

let harness: RedisHarness;
let redis: Redis;
let proxy: Server;
let proxyUrl: string;
const main = fileURLToPath(new URL('./main.ts', import.meta.url));

/**
 * A TCP relay in front of the real Redis that holds back, for half a second, every reply to a
 * connection once it named itself `nightshift-worker` (the scheduler's subscriber): a slow link
 * that keeps that connection between "connected" and "ready" while the rest of start-up goes on.
 */
function slowSubscriberRelay(port: number): Server {
  return createServer((client: Socket) => {
    const upstream = tcpConnect(port, '127.0.0.1');
    let holdUntil = 0;
    const held: Buffer[] = [];
    client.on('data', (chunk: Buffer) => {
      if (holdUntil === 0 && chunk.includes('nightshift-worker')) {
        holdUntil = Date.now() + 500;
        setTimeout(() => {
          for (const c of held.splice(0)) client.write(c);
        }, 500);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (Date.now() < holdUntil || held.length > 0) held.push(chunk);
      else client.write(chunk);
    });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('close', () => b.destroy());
      a.on('error', () => b.destroy());
    }
  });
}

beforeAll(async () => {
  harness = await startRedis();
  redis = createRedis(harness.url, 'client');
  proxy = slowSubscriberRelay(Number(new URL(harness.url).port));
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const address = proxy.address() as { port: number };
  proxyUrl = `redis://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  proxy?.close();
  redis?.disconnect();
  await harness?.stop();
});

it('starts without any ioredis "subscriber mode" error, and listens for schedule changes', async () => {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { ...process.env, REDIS_URL: proxyUrl, NIGHTSHIFT_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  try {
    await expect.poll(() => output, { timeout: 15_000 }).toContain('scheduler running');
    // Subscribed, and the held-back replies (ready check included) have all come through.
    await expect
      .poll(async () => (await redis.pubsub('NUMSUB', scheduleKeys.changes))[1], {
        timeout: 5_000,
      })
      .toBe(1);
    await new Promise((r) => setTimeout(r, 1_000));
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(output).not.toMatch(/subscriber mode|Unhandled error|Ready check failed/i);
    expect(code).toBe(0);
  }
}, 30_000);

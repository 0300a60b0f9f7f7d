import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startWebhookReceiver, type WebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NotifierHarness, notifierHarness } from '../test-support/notifier-harness.ts';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
let h: NotifierHarness;
let receiver: WebhookReceiver;
const children: ChildProcess[] = [];

/** The notifier as operators run it: its own process, configured by environment. */
function spawnNotifier(): ChildProcess {
  const child = spawn('npx', ['tsx', 'apps/notifier/src/main.ts'], {
    cwd: repoRoot,
    // Its own process group, so SIGKILL reaches tsx's node process and not only npx.
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      REDIS_URL: h.redis.url,
      NIGHTSHIFT_WEBHOOK_SECRET: h.defaultSecret,
      NIGHTSHIFT_WEBHOOK_ALLOW_LIST: '127.0.0.1/32',
      NIGHTSHIFT_WEBHOOK_RETRY_SCHEDULE: '0s,200ms,400ms',
      NIGHTSHIFT_JOB_LOCK_MS: '1000',
      NIGHTSHIFT_LOG_LEVEL: 'warn',
    },
  });
  children.push(child);
  return child;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, signal);
  } catch {
    return Promise.resolve();
  }
  return exited;
}

beforeAll(async () => {
  h = await notifierHarness('0s,200ms,400ms');
  receiver = await startWebhookReceiver({ secret: h.defaultSecret });
});
afterAll(async () => {
  await Promise.all(children.map((c) => killGroup(c, 'SIGTERM')));
  await receiver.close();
  await h.close();
});

describe('notifier killed mid-delivery', () => {
  it('is delivered at least once by the next notifier, under the same webhook-id', async () => {
    // The receiver holds the first request: the notifier is killed while waiting for the answer.
    receiver.respondWith({ status: 200, delayMs: 60_000 });
    const first = spawnNotifier();
    const id = await h.send(receiver.url);
    const [held] = await receiver.waitForDeliveries(1, 20_000);
    expect(held?.id).toBe(id);
    await killGroup(first, 'SIGKILL');
    expect((await h.deliveries.get(id))?.state).toBe('pending');

    spawnNotifier();
    const log = await h.settled(id, 'delivered', 20_000);
    expect(log.attempts.at(-1)?.status).toBe(200);
    const ids = receiver.deliveries.map((d) => d.id);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ids)).toEqual(new Set([id]));
    expect(receiver.deliveries.every((d) => d.verified)).toBe(true);
  }, 45_000);
});

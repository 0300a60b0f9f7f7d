import { BatchEvents, BatchStore, BatchSubmitter, FinalEventRelay } from '@nightshift/batches';
import type { WebhookJobData } from '@nightshift/core';
import { createRedis } from '@nightshift/redis';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import {
  attemptsForSchedule,
  createSafeDispatcher,
  DeliveryLog,
  generateWebhookSecret,
  parseRetrySchedule,
  WebhookOutbox,
  WebhookSecretStore,
} from '@nightshift/webhooks';
import type { Worker } from 'bullmq';
import { createWebhookSender } from '../src/webhook-sender.ts';

/** How the in-process sender of a test is set up. */
export interface SenderSetup {
  /** Let loopback through (NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE). Default false. */
  allowPrivate?: boolean;
  /** NIGHTSHIFT_WEBHOOK_ALLOW_LIST entries. Default ['127.0.0.1/32']. */
  allowList?: string[];
  /** Per-attempt timeout. Default 2 s. */
  timeoutMs?: number;
}

/**
 * A notifier's parts in this process on a real Redis: the outbox, the delivery log, the secret
 * store, and a sender (restartable with other SSRF settings). Short retry schedule, no jitter.
 * Its batch store ends batches and queues their final events as a worker's does.
 */
export async function notifierHarness(schedule = '0s,200ms,400ms') {
  const redis: RedisHarness = await startRedis();
  const client = createRedis(redis.url, 'client');
  const blocking = createRedis(redis.url, 'worker');
  const defaultSecret = generateWebhookSecret();
  const delays = parseRetrySchedule(schedule);
  const deliveries = new DeliveryLog(client, 600_000);
  const secrets = new WebhookSecretStore({ redis: client, defaultSecret, overlapMs: 60_000 });
  const outbox = new WebhookOutbox({
    connection: client,
    deliveries,
    attempts: attemptsForSchedule(delays),
    keepMs: 600_000,
  });
  const events = new BatchEvents();
  const store = new BatchStore({ redis: client, resultTtlMs: 600_000, events });
  const relay = new FinalEventRelay({ redis: client, store, outbox, events });
  events.on('batch.ended', (e) => relay.relay(e.batchId), { stage: 'announce' });
  const workers: Worker[] = [];
  let deadLetters = 0;

  const startSender = (setup: SenderSetup = {}) => {
    const sender = createWebhookSender({
      connection: blocking,
      deliveries,
      secretsFor: (tenant) => secrets.secretsFor(tenant),
      schedule: delays,
      jitter: 0,
      timeoutMs: setup.timeoutMs ?? 2_000,
      dispatcher: createSafeDispatcher({
        allowPrivate: setup.allowPrivate ?? false,
        allowList: setup.allowList ?? ['127.0.0.1/32'],
      }),
      onDeadLetter: () => {
        deadLetters += 1;
      },
    });
    workers.push(sender);
    return sender;
  };

  /** Polls the log until the delivery leaves `pending` (or reaches `state`). */
  const settled = async (id: string, state?: string, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = await deliveries.get(id);
      if (d && (state ? d.state === state : d.state !== 'pending')) return d;
      if (Date.now() > deadline) {
        throw new Error(`delivery ${id} is ${d?.state ?? 'missing'}, wanted ${state ?? 'settled'}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  let seq = 0;
  /** Queues one `batch.completed`-shaped event for `tenant` to `url`. */
  const send = async (url: string, tenant = 'acme', body?: object) => {
    seq += 1;
    const deliveryId = `msg_test${Date.now().toString(36)}${seq}`;
    const data: Omit<WebhookJobData, 'deliveryId'> = {
      tenant,
      batchId: `batch_test${seq}`,
      url,
      body: JSON.stringify(
        body ?? { type: 'batch.completed', timestamp: new Date().toISOString(), data: { seq } },
      ),
    };
    await outbox.enqueue({ deliveryId, eventType: 'batch.completed', ...data });
    return deliveryId;
  };

  const submitter = () =>
    new BatchSubmitter({ connection: client, store, attempts: 1, resultTtlMs: 600_000 });

  return {
    redis,
    client,
    blocking,
    defaultSecret,
    deliveries,
    secrets,
    outbox,
    store,
    submitter,
    startSender,
    settled,
    send,
    /** Deliveries the senders reported as dead letters (`onDeadLetter`) so far. */
    deadLetters: () => deadLetters,
    /** Closes every worker started so far (the next sender starts clean). */
    async stopWorkers() {
      await Promise.all(workers.splice(0).map((w) => w.close()));
    },
    async close() {
      await Promise.all(workers.splice(0).map((w) => w.close()));
      await outbox.close();
      client.disconnect();
      blocking.disconnect();
      await redis.stop();
    },
  };
}

export type NotifierHarness = Awaited<ReturnType<typeof notifierHarness>>;

import { BatchSubmitter } from '@nightshift/batches';
import { keyPrefix, loadConfig, queueNames } from '@nightshift/core';
import { createRedis } from '@nightshift/redis';
import { createServices } from '@nightshift/services';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentEventForwarder } from './document-event-forwarder.ts';

let redis: RedisHarness;
let client: Redis;
beforeAll(async () => {
  redis = await startRedis();
  client = createRedis(redis.url, 'client');
});
afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

describe('per-document webhook events from the worker', () => {
  it('queues document.completed only for batches that subscribed to it', async () => {
    const services = createServices(loadConfig({ REDIS_URL: redis.url }));
    const store = services.batchStore;
    const submitter = new BatchSubmitter({
      connection: client,
      store,
      attempts: 1,
      resultTtlMs: 60_000,
    });
    const forwarder = new DocumentEventForwarder({ store, outbox: services.webhookOutbox });
    const webhooks = new Queue(queueNames.webhooks, { connection: client, prefix: keyPrefix });
    try {
      const submit = (events: ('document.completed' | 'document.failed')[]) =>
        submitter.submit({
          tenant: 'acme',
          documents: [{ id: 'doc_0', content: { kind: 'text', text: 'x' } }],
          model: 'm',
          summary: {},
          metadata: {},
          webhook: { url: 'https://hooks.example.com/n', events },
          completionWindow: '24h',
        });
      const subscribed = await submit(['document.completed']);
      const quiet = await submit([]);
      const result = {
        documentId: 'doc_0',
        status: 'succeeded' as const,
        summary: 's',
        model: 'm',
        usage: { promptTokens: 1, completionTokens: 1 },
      };
      await forwarder.forward(subscribed.id, result);
      await forwarder.forward(subscribed.id, result); // a duplicate run queues no second event
      await forwarder.forward(quiet.id, result);
      await forwarder.forward(quiet.id, { ...result, status: 'failed' });

      const jobs = await webhooks.getJobs(['waiting', 'delayed', 'prioritized']);
      expect(jobs).toHaveLength(1);
      const body = JSON.parse(jobs[0]?.data.body as string);
      expect(body).toMatchObject({
        type: 'document.completed',
        data: { batchId: subscribed.id, documentId: 'doc_0', status: 'succeeded' },
      });
    } finally {
      await Promise.all([services.close(), submitter.close(), webhooks.close()]);
    }
  });
});

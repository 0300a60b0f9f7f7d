import type { SubmitBatchInput } from '@nightshift/batches';
import { finalDeliveryId } from '@nightshift/batches';
import { loadConfig } from '@nightshift/core';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServicesClosedError } from './redis-connections.ts';
import { createServices } from './services.ts';

let redis: RedisHarness;
let observer: Redis;
beforeAll(async () => {
  redis = await startRedis();
  // Named apart from the services' own connections, so CLIENT LIST tells them apart.
  observer = new Redis(redis.url, { connectionName: 'observer' });
});
afterAll(async () => {
  observer.disconnect();
  await redis.stop();
});

/** Names of every connection on the Redis but the observer's. */
async function otherConnections(): Promise<string[]> {
  const list = (await observer.client('LIST')) as string;
  return list
    .trim()
    .split('\n')
    .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '')
    .filter((name) => name !== 'observer');
}

const config = () =>
  loadConfig({ REDIS_URL: redis.url, NIGHTSHIFT_WEBHOOK_SECRET: `whsec_${'A'.repeat(32)}` });

const batch = (documents: SubmitBatchInput['documents']): SubmitBatchInput => ({
  tenant: 'acme',
  documents,
  model: 'm',
  summary: {},
  metadata: {},
  webhook: { url: 'https://hooks.example.com/n', events: [] },
  completionWindow: '24h',
});

describe('createServices', () => {
  it('opens connections only when asked, and close() closes every one it opened, once', async () => {
    const services = createServices(config(), { pipelinedCommands: true });
    expect(services.redis.openedCount).toBe(0);
    expect(await otherConnections()).toEqual([]);

    // Every part, used for real: queues, stores, the blocking and pipelined connections.
    expect(await services.checkRedis()).toBeUndefined();
    const submitted = await services.batchSubmitter.submit(
      batch([{ id: 'doc_0', content: { kind: 'text', text: 'x' } }]),
    );
    await services.webhookOutbox.replayFailed('acme', new Date(0));
    await services.webhookSecrets.secretsFor('acme');
    await services.finalEvents.relayPending();
    await services.documentBlobs.delete([]);
    await services.fleet.list();
    expect(await services.interactiveTraffic.inFlight()).toBe(0);
    await services.apiKeys.list('acme');
    await services.tenantQuotas.get('acme');
    await services.schedules.ids();
    await services.redis.blocking.ping();
    await services.redis.commands.ping();
    expect(submitted.status).toBe('queued');
    expect(services.redis.openedCount).toBe(3);
    const names = await otherConnections();
    expect(names.filter((name) => name.startsWith('nightshift-')).length).toBeGreaterThanOrEqual(2);

    const first = services.close();
    expect(services.close()).toBe(first);
    await first;
    await expect.poll(otherConnections, { timeout: 5_000 }).toEqual([]);
    await services.close();
    expect(() => services.redis.client).toThrow(ServicesClosedError);
    expect(services.redis.openedCount).toBe(0);
  });

  it('queues the final event at once when a batch ends outside a worker (cancel, intake failures)', async () => {
    const services = createServices(config());
    try {
      const waiting = await services.batchSubmitter.submit(
        batch([{ id: 'doc_0', content: { kind: 'text', text: 'x' } }]),
      );
      const cancelled = await services.batchSubmitter.cancel('acme', waiting.id);
      expect(cancelled?.status).toBe('cancelled');
      expect(await services.deliveryLog.forBatch(waiting.id)).toMatchObject([
        { id: finalDeliveryId(waiting.id), eventType: 'batch.cancelled', state: 'pending' },
      ]);

      const refused = await services.batchSubmitter.submit(
        batch([{ id: 'doc_0', error: { code: 'unreadable', message: 'no text' } }]),
      );
      expect(refused.status).toBe('failed');
      expect(await services.deliveryLog.forBatch(refused.id)).toMatchObject([
        { id: finalDeliveryId(refused.id), eventType: 'batch.failed' },
      ]);
      // Nothing is left for a worker's sweep: the relay cleared the pending marks.
      expect(await services.finalEvents.relayPending({ graceMs: 0 })).toEqual([]);
    } finally {
      await services.close();
    }
  });

  it('gives the API and the workers one record of interactive calls, built once per process', async () => {
    const api = createServices(config());
    const worker = createServices(config());
    try {
      expect(api.interactiveTraffic).toBe(api.interactiveTraffic);
      const chat = await api.interactiveTraffic.begin('qwen3:32b');
      expect(await worker.interactiveTraffic.inFlight()).toBe(1);
      await chat.end();
      expect(await worker.interactiveTraffic.inFlight()).toBe(0);
      expect(await worker.interactiveTraffic.recentModels(60_000)).toEqual(['qwen3:32b']);
    } finally {
      await Promise.all([api.close(), worker.close()]);
    }
  });
});

import { BatchStore, BatchSubmitter, type BatchSubmitterOptions } from '@nightshift/batches';
import { type BatchObject, type Config, type DocumentContent, loadConfig } from '@nightshift/core';
import { createRedis } from '@nightshift/redis';
import type { RedisHarness } from '@nightshift/testkit/redis-harness';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { type RunningWorker, startWorker } from '../src/worker-process.ts';

/** A worker started in-process on real Redis, plus a submitter to feed it. */
export async function workerUnderTest(
  redis: RedisHarness,
  env: Record<string, string>,
  submission: Partial<Pick<BatchSubmitterOptions, 'grouping' | 'attempts' | 'retryDelayMs'>> = {},
) {
  const config: Config = loadConfig({
    REDIS_URL: redis.url,
    NIGHTSHIFT_COLD_WINDOWS: 'always',
    NIGHTSHIFT_GPU_PROBE: 'none',
    NIGHTSHIFT_PROVIDER: 'extractive',
    NIGHTSHIFT_LOG_LEVEL: 'silent',
    ...env,
  });
  const client: Redis = createRedis(redis.url, 'client');
  const store = new BatchStore({ redis: client, resultTtlMs: 60_000 });
  const submitter = new BatchSubmitter({
    connection: client,
    store,
    resultTtlMs: 60_000,
    ...submission,
    attempts: submission.attempts ?? 3,
  });
  const worker: RunningWorker = await startWorker(config, pino({ level: 'silent' }));
  return {
    config,
    client,
    store,
    worker,
    submit: (
      texts: string[],
      model = config.NIGHTSHIFT_MODEL,
      options: {
        completionWindow?: string;
        now?: Date;
        webhook?: { url: string; events: ('document.completed' | 'document.failed')[] };
      } = {},
    ) =>
      submitter.submit(
        {
          tenant: 'acme',
          documents: texts.map((text, i) => ({
            id: `doc_${i}`,
            content: { kind: 'text' as const, text },
          })),
          model,
          summary: {},
          metadata: {},
          webhook: options.webhook ?? null,
          completionWindow: options.completionWindow ?? '24h',
        },
        options.now,
      ),
    /** Submits documents with the given contents (e.g. blob references). */
    submitContents: (contents: DocumentContent[]) =>
      submitter.submit({
        tenant: 'acme',
        documents: contents.map((content, i) => ({ id: `doc_${i}`, content })),
        model: config.NIGHTSHIFT_MODEL,
        summary: {},
        metadata: {},
        webhook: null,
        completionWindow: '24h',
      }),
    batch: async (id: string) => (await store.getForTenant('acme', id)) as BatchObject,
    /** Cancels like the API does (its store queues no webhook events). */
    cancel: (id: string) => submitter.cancel('acme', id),
    async close() {
      await worker.stop();
      await submitter.close();
      client.disconnect();
    },
  };
}

export { until } from '@nightshift/testkit/until';

import { loadConfig } from '@nightshift/core';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { until } from '@nightshift/testkit/until';
import { startWebhookReceiver, type WebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import { generateWebhookSecret } from '@nightshift/webhooks';
import OpenAI, { toFile } from 'openai';
import { pino } from 'pino';
import { gatewayUnderTest } from '../../apps/api/test-support/gateway-under-test.ts';
import { type RunningNotifier, startNotifier } from '../../apps/notifier/src/notifier-process.ts';
import { workerUnderTest } from '../../apps/worker/test-support/worker-under-test.ts';

/** A JSONL text of `lines`, one JSON value a line. */
export const jsonl = (lines: unknown[]) => `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;

/** A chat completions line of a batch input file. */
export const chatLine = (
  customId: string,
  content: string,
  extra: Record<string, unknown> = {},
) => ({
  custom_id: customId,
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model: 'qwen2:7b', messages: [{ role: 'user', content }], max_tokens: 8, ...extra },
});

/**
 * The official `openai` client against the real API on a real port, with a real worker and a
 * real notifier on the same Redis, draining the cold lane into the Ollama stand-in and signing
 * webhooks to a receiver: the ground of the OpenAI files and batches tests. `overrides` sets
 * variables of every service's environment (a limit a test wants small), or makes them from
 * the stand-in's URL (`NIGHTSHIFT_UPSTREAMS` naming it).
 */
export async function startOpenAiBatchStack(
  overrides: Record<string, string> | ((standInUrl: string) => Record<string, string>) = {},
) {
  const secret = generateWebhookSecret();
  const ollama: OllamaStandIn = await startOllamaStandIn({ tokenLatencyMs: 1 });
  const env = {
    NIGHTSHIFT_WEBHOOK_SECRET: secret,
    NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE: 'true',
    OLLAMA_HOST: ollama.url,
    NIGHTSHIFT_PROVIDER: 'ollama',
    NIGHTSHIFT_NUM_CTX: '512',
    NIGHTSHIFT_COLD_CONCURRENCY: '1',
    NIGHTSHIFT_OPENAI_FILE_MAX_BYTES: '1000000',
    ...(typeof overrides === 'function' ? overrides(ollama.url) : overrides),
  };
  const api = await gatewayUnderTest(env);
  const worker = await workerUnderTest(api.redis, env);
  const receiver: WebhookReceiver = await startWebhookReceiver({ secret });
  const notifier: RunningNotifier = await startNotifier(
    loadConfig({ ...env, REDIS_URL: api.redis.url, NIGHTSHIFT_LOG_LEVEL: 'silent' }),
    pino({ level: 'silent' }),
  );
  const client = new OpenAI({ baseURL: api.openAiBaseUrl, apiKey: 'acme-key', maxRetries: 0 });

  return {
    ollama,
    api,
    worker,
    receiver,
    client,
    /** Uploads `text` as a batch input file. */
    uploaded: async (text: string) =>
      client.files.create({
        file: await toFile(Buffer.from(text), 'input.jsonl'),
        purpose: 'batch',
      }),
    /** Retrieves the batch until its status is final. */
    finished: async (id: string) => {
      let batch = await client.batches.retrieve(id);
      await until(
        async () => {
          batch = await client.batches.retrieve(id);
          return ['completed', 'failed', 'expired', 'cancelled'].includes(batch.status);
        },
        20_000,
        `batch ${id} final`,
      );
      return batch;
    },
    /** A result file's lines, parsed. */
    lines: async (fileId: string) =>
      (await (await client.files.content(fileId)).text())
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    async close() {
      await notifier.stop();
      await receiver.close();
      await worker.close();
      await api.close();
      await ollama.close();
    },
  };
}

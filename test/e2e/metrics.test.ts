import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { startWebhookReceiver, type WebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import { generateWebhookSecret } from '@nightshift/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, stackKey, stackMetricsToken, startStack, waitFor } from '../support/stack.ts';

let redis: RedisHarness;
let receiver: WebhookReceiver;
let ollama: OllamaStandIn;
let stack: Stack;
const secret = generateWebhookSecret();

beforeAll(async () => {
  [redis, receiver, ollama] = await Promise.all([
    startRedis(),
    startWebhookReceiver({ secret }),
    startOllamaStandIn(),
  ]);
  stack = await startStack({ redisUrl: redis.url, webhookSecret: secret, ollamaHost: ollama.url });
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([receiver?.close(), ollama?.close(), redis?.stop()]);
});

/** One sample's value in a Prometheus text exposition, by its exact series text. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const scrape = async () =>
  (
    await fetch(`${stack.base}/metrics`, {
      headers: { authorization: `Bearer ${stackMetricsToken}` },
    })
  ).text();

describe('metrics and usage after a batch through real processes', () => {
  it('shows durations, tokens, webhook attempts, window state and usage', async () => {
    const created = await stack.postJson({
      documents: [
        { id: 'a', text: 'The night shift drained the queue while the GPU was idle.' },
        { id: 'b', text: 'Webhooks told the client when the batch was done, signed.' },
      ],
      webhook: { url: receiver.url },
    });
    expect(created.status).toBe(202);
    const batchId = created.body.id;
    await waitFor(
      async () => sample(await scrape(), 'nightshift_webhook_attempts_total{outcome="delivered"}'),
      30_000,
      'webhook attempt counted',
    );
    const batch = await stack.batch(batchId);
    expect(batch.status).toBe('completed');
    const results = await stack.results(batchId);
    const model = results[0]?.model as string;
    expect(model).toBeTruthy();

    // The worker writes its per-document figures once a second (NIGHTSHIFT_METRICS_FLUSH_MS).
    const cold = `lane="cold",model="${model}",outcome="succeeded"`;
    const text = await waitFor(
      async () => {
        const body = await scrape();
        return sample(body, `nightshift_job_duration_seconds_count{${cold}}`) === 2 ? body : null;
      },
      10_000,
      'both documents measured',
    );
    expect(sample(text, `nightshift_job_duration_seconds_bucket{${cold},le="+Inf"}`)).toBe(2);
    expect(sample(text, `nightshift_job_duration_seconds_sum{${cold}}`)).toBeGreaterThan(0);
    const tokensIn = sample(
      text,
      `nightshift_tokens_total{direction="in",model="${model}",tenant="acme"}`,
    );
    const tokensOut = sample(
      text,
      `nightshift_tokens_total{direction="out",model="${model}",tenant="acme"}`,
    );
    expect(tokensIn).toBe(batch.usage.promptTokens);
    expect(tokensOut).toBe(batch.usage.completionTokens);
    expect(tokensIn).toBeGreaterThan(0);
    expect(sample(text, 'nightshift_webhook_attempts_total{outcome="delivered"}')).toBe(1);
    expect(text).toMatch(/nightshift_cold_window_open\{worker="[^"]+"\} 1/);
    // The worker publishes the models it serves, the one that answered among them (alerts read it).
    const served = text.split('\n').filter((line) => line.startsWith('nightshift_worker_models{'));
    expect(served.some((line) => line.includes(`model="${model}"`) && line.endsWith(' 1'))).toBe(
      true,
    );
    expect(sample(text, 'nightshift_queue_depth{lane="cold",state="active"}')).toBe(0);
    expect(sample(text, 'nightshift_queue_depth{lane="batches",state="waiting-children"}')).toBe(0);

    const today = new Date().toISOString().slice(0, 10);
    const usage = (await (
      await fetch(`${stack.base}/v1/usage?from=${today}`, {
        headers: { authorization: `Bearer ${stackKey}` },
      })
    ).json()) as { totals: { documents: number; promptTokens: number; completionTokens: number } };
    expect(usage.totals).toMatchObject({
      documents: 2,
      promptTokens: batch.usage.promptTokens,
      completionTokens: batch.usage.completionTokens,
    });
  });
});

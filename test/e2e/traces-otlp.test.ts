import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import {
  type CollectedSpan,
  type OtlpCollector,
  startOtlpCollector,
} from '@nightshift/testkit/otlp-collector';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { sampleTexts } from '@nightshift/testkit/sample-documents';
import { startWebhookReceiver, type WebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import { generateWebhookSecret } from '@nightshift/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack } from '../support/stack.ts';

// The apps as separate processes, each exporting by OTLP/HTTP to one collector, as in a cluster.
const secret = generateWebhookSecret();
let redis: RedisHarness;
let ollama: OllamaStandIn;
let receiver: WebhookReceiver;
let collector: OtlpCollector;

beforeAll(async () => {
  [redis, ollama, receiver, collector] = await Promise.all([
    startRedis(),
    startOllamaStandIn(),
    startWebhookReceiver({ secret }),
    startOtlpCollector(),
  ]);
});
afterAll(async () => {
  await Promise.all([redis?.stop(), ollama?.close(), receiver?.close(), collector?.close()]);
});

describe('traces exported by OTLP from every app', () => {
  it('follows one batch across the API, worker and notifier processes in one trace', async () => {
    const stack = await startStack({
      redisUrl: redis.url,
      webhookSecret: secret,
      ollamaHost: ollama.url,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint },
    });
    let batchId: string;
    try {
      const submitted = await stack.postJson({
        documents: [
          { id: 'incident', text: sampleTexts.gpuIncident },
          { id: 'minutes', text: sampleTexts.meetingNotes },
        ],
        webhook: { url: receiver.url },
      });
      expect(submitted.status).toBe(202);
      batchId = submitted.body.id;
      await receiver.waitForDeliveries(1, 60_000);
    } finally {
      // A graceful stop exports what each app still buffers.
      await stack.stop();
    }

    const submit = collector.spans.find(
      (s) => s.name === 'submit batch' && s.attributes['nightshift.batch.id'] === batchId,
    ) as CollectedSpan;
    expect(submit?.service).toBe('nightshift-api');
    const trace = collector.spans.filter((s) => s.traceId === submit.traceId);
    const where = (name: string) => trace.filter((s) => s.name === name).map((s) => s.service);
    expect(where('POST /v1/batches')).toEqual(['nightshift-api']);
    expect(where('process cold')).toEqual(['nightshift-worker', 'nightshift-worker']);
    expect(where('summarize document')).toEqual(['nightshift-worker', 'nightshift-worker']);
    expect(where('chat qwen3:32b').length).toBeGreaterThanOrEqual(2);
    expect(where('process webhooks')).toEqual(['nightshift-notifier']);
    expect(where('POST')).toEqual(['nightshift-notifier']);
    // One tree: every span's parent was exported too, but the request's (the trace's root).
    const ids = new Set(trace.map((s) => s.spanId));
    const roots = trace.filter((s) => !ids.has(s.parentSpanId)).map((s) => s.name);
    expect(roots).toEqual(['POST /v1/batches']);
  });
});

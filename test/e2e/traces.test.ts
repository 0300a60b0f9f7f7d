import { randomBytes } from 'node:crypto';
import { loadConfig } from '@nightshift/core';
import { startTracing, type Tracing } from '@nightshift/telemetry';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { sampleTexts } from '@nightshift/testkit/sample-documents';
import { until } from '@nightshift/testkit/until';
import {
  type ReceivedDelivery,
  startWebhookReceiver,
  type WebhookReceiver,
} from '@nightshift/testkit/webhook-receiver';
import { generateWebhookSecret } from '@nightshift/webhooks';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../../apps/api/src/api-process.ts';
import { type RunningNotifier, startNotifier } from '../../apps/notifier/src/notifier-process.ts';
import { type RunningWorker, startWorker } from '../../apps/worker/src/worker-process.ts';

// The API, a worker and a notifier run in this process on a real Redis, with the Ollama
// stand-in as model server and a real webhook receiver; every span they make lands in memory.
const secret = generateWebhookSecret();
const logger = pino({ level: 'silent' });
const exporter = new InMemorySpanExporter();
let redis: RedisHarness;
let ollama: OllamaStandIn;
let receiver: WebhookReceiver;
let tracing: Tracing;
let api: RunningApi;
let worker: RunningWorker;
let notifier: RunningNotifier;

beforeAll(async () => {
  [redis, ollama, receiver] = await Promise.all([
    startRedis(),
    startOllamaStandIn(),
    startWebhookReceiver({ secret }),
  ]);
  // Started first, the test's tracing is the one every app of this process joins.
  tracing = await startTracing(loadConfig({}), { serviceName: 'nightshift-e2e', exporter });
  const config = loadConfig({
    REDIS_URL: redis.url,
    PORT: '0',
    NIGHTSHIFT_API_KEYS: 'acme:acme-key',
    NIGHTSHIFT_WEBHOOK_SECRET: secret,
    NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE: 'true',
    NIGHTSHIFT_PROVIDER: 'ollama',
    OLLAMA_HOST: ollama.url,
    NIGHTSHIFT_COLD_WINDOWS: 'always',
    NIGHTSHIFT_GPU_PROBE: 'none',
    NIGHTSHIFT_NUM_CTX: '2048',
    NIGHTSHIFT_MAX_TOKENS: '256',
  });
  [api, worker, notifier] = await Promise.all([
    startApi(config, logger),
    startWorker(config, logger),
    startNotifier(config, logger),
  ]);
});

afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop(), notifier?.stop()]);
  await tracing?.shutdown();
  await Promise.all([redis?.stop(), ollama?.close(), receiver?.close()]);
});

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

/** The chain of span names from `span` up to the trace's first span in this process. */
function ancestry(span: ReadableSpan, byId: Map<string, ReadableSpan>): string[] {
  const names: string[] = [];
  for (let at: ReadableSpan | undefined = span; at; at = byId.get(parentOf(at) ?? '')) {
    names.push(at.name);
  }
  return names;
}

describe('traces across the API, a worker and a notifier', () => {
  it('makes one trace: request → submission → a job per document → model calls, and → delivery', async () => {
    // The caller's own span: the request continues its trace.
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const documents = [
      { id: 'incident', text: sampleTexts.gpuIncident },
      { id: 'minutes', text: sampleTexts.meetingNotes },
    ];
    const response = await fetch(`http://127.0.0.1:${api.port}/v1/batches`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer acme-key',
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${callerSpanId}-01`,
      },
      body: JSON.stringify({ documents, webhook: { url: receiver.url } }),
    });
    expect(response.status).toBe(202);
    const batch = (await response.json()) as { id: string };

    const [delivery] = (await receiver.waitForDeliveries(1, 60_000)) as [ReceivedDelivery];
    expect(delivery.verified).toBe(true);
    expect((delivery.body as { data: { id: string; status: string } }).data).toMatchObject({
      id: batch.id,
      status: 'completed',
    });
    // The delivery's spans end once the notifier has recorded the attempt.
    await until(
      () => exporter.getFinishedSpans().some((s) => s.name === 'process webhooks'),
      10_000,
      'the delivery job span ended',
    );

    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const byId = new Map(spans.map((s) => [idOf(s), s]));
    const named = (name: string) => spans.filter((s) => s.name === name);

    // The request: a server span, child of the caller's.
    const [request] = named('POST /v1/batches');
    expect(request?.kind).toBe(SpanKind.SERVER);
    expect(parentOf(request as ReadableSpan)).toBe(callerSpanId);
    expect(request?.attributes['http.response.status_code']).toBe(202);
    expect(request?.attributes['nightshift.tenant']).toBe('acme');

    // The submission, inside the request.
    const [submit] = named('submit batch');
    expect(submit?.kind).toBe(SpanKind.PRODUCER);
    expect(parentOf(submit as ReadableSpan)).toBe(idOf(request as ReadableSpan));
    expect(submit?.attributes['nightshift.batch.id']).toBe(batch.id);

    // Every span of the trace hangs from the request: no orphan, no second root.
    for (const span of spans) {
      const chain = ancestry(span, byId);
      expect(chain.at(-1), `${span.name} reaches the request`).toBe('POST /v1/batches');
    }

    // One job span per document, each below the submission, each with its document's span.
    const summaries = named('summarize document');
    expect(summaries.map((s) => s.attributes['nightshift.document.id']).sort()).toEqual([
      'incident',
      'minutes',
    ]);
    for (const summary of summaries) {
      const job = byId.get(parentOf(summary) ?? '');
      expect(job?.name).toBe('process cold');
      expect(job?.kind).toBe(SpanKind.CONSUMER);
      expect(ancestry(summary, byId)).toContain('submit batch');
      expect(summary.attributes['nightshift.batch.id']).toBe(batch.id);
      expect(summary.attributes['gen_ai.response.model']).toBe('qwen3:32b');
    }
    expect(new Set(summaries.map(parentOf)).size).toBe(2);

    // Each model call: a client span of its document, with the GenAI attributes and its tokens.
    const calls = named('chat qwen3:32b');
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const call of calls) {
      expect(call.kind).toBe(SpanKind.CLIENT);
      expect(byId.get(parentOf(call) ?? '')?.name).toBe('summarize document');
      expect(call.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'ollama',
        'gen_ai.request.model': 'qwen3:32b',
        'gen_ai.response.model': 'qwen3:32b',
      });
      expect(call.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
      expect(call.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    }
    const documentsWithCalls = new Set(calls.map(parentOf));
    expect(documentsWithCalls).toEqual(new Set(summaries.map(idOf)));

    // The webhook: queued under the submission (whichever worker ended the batch), delivered
    // by the notifier as one job with one POST, whose traceparent the receiver got.
    const [deliveryJob] = named('process webhooks');
    expect(deliveryJob?.kind).toBe(SpanKind.CONSUMER);
    expect(ancestry(deliveryJob as ReadableSpan, byId)).toContain('submit batch');
    expect(ancestry(deliveryJob as ReadableSpan, byId)).not.toContain('process cold');
    const [post] = named('POST');
    expect(post?.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(post as ReadableSpan)).toBe(idOf(deliveryJob as ReadableSpan));
    expect(post?.attributes).toMatchObject({
      'http.response.status_code': 200,
      'nightshift.delivery.decision': 'delivered',
      'nightshift.batch.id': batch.id,
    });
    expect(delivery.headers.traceparent).toBe(`00-${traceId}-${idOf(post as ReadableSpan)}-01`);
  });

  it('traces an interactive summary: request → hot job on a worker → its model call', async () => {
    const response = await fetch(`http://127.0.0.1:${api.port}/v1/summaries`, {
      method: 'POST',
      headers: { authorization: 'Bearer acme-key', 'content-type': 'application/json' },
      body: JSON.stringify({ text: sampleTexts.meetingNotes }),
    });
    expect(response.status).toBe(200);
    const request = await until(
      () => exporter.getFinishedSpans().find((s) => s.name === 'POST /v1/summaries'),
      10_000,
      'the request span ended',
    );
    const spans = exporter
      .getFinishedSpans()
      .filter((s) => s.spanContext().traceId === request.spanContext().traceId);
    const byId = new Map(spans.map((s) => [idOf(s), s]));
    const [job] = spans.filter((s) => s.name === 'process hot');
    expect(job?.kind).toBe(SpanKind.CONSUMER);
    expect(ancestry(job as ReadableSpan, byId).at(-1)).toBe('POST /v1/summaries');
    const calls = spans.filter((s) => s.kind === SpanKind.CLIENT && s.name.startsWith('chat '));
    expect(calls.length).toBeGreaterThanOrEqual(1);
    for (const call of calls) expect(ancestry(call, byId)).toContain('process hot');
  });
});

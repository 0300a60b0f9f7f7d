import { loadConfig } from '@nightshift/core';
import { type OtlpCollector, startOtlpCollector } from '@nightshift/testkit/otlp-collector';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inSpan } from './spans.ts';
import { startTracing } from './tracing.ts';

let collector: OtlpCollector;
beforeAll(async () => {
  collector = await startOtlpCollector();
});
afterAll(() => collector.close());

describe('OTLP export', () => {
  it('posts the spans to <OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces with the configured headers', async () => {
    const tracing = await startTracing(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=k%20123',
        OTEL_SERVICE_NAME: 'nightshift-export-test',
      }),
      { serviceName: 'ignored-when-OTEL_SERVICE_NAME-is-set' },
    );
    expect(tracing.enabled).toBe(true);
    await inSpan('POST /v1/batches', { kind: SpanKind.SERVER }, async () => {});
    // Spans are batched; stopping exports what is buffered.
    await tracing.shutdown();

    const [post] = collector.requests;
    expect(post?.path).toBe('/v1/traces');
    expect(post?.headers['x-collector-key']).toBe('k 123');
    expect(collector.spans.map((s) => [s.service, s.name])).toEqual([
      ['nightshift-export-test', 'POST /v1/batches'],
    ]);
  });
});

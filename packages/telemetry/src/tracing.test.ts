import { loadConfig } from '@nightshift/core';
import { SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import {
  currentTraceparent,
  inChildSpan,
  inSpan,
  nightshiftTracer,
  traceRecording,
  withTraceparent,
} from './spans.ts';
import { startTracing, type Tracing } from './tracing.ts';

const started: Tracing[] = [];
afterEach(async () => {
  for (const tracing of started.splice(0)) await tracing.shutdown();
});

async function start(env: Record<string, string> = {}, exporter?: InMemorySpanExporter) {
  const tracing = await startTracing(loadConfig(env), {
    serviceName: 'nightshift-test',
    ...(exporter ? { exporter } : {}),
  });
  started.push(tracing);
  return tracing;
}

describe('startTracing', () => {
  it('is off without OTEL_* variables: no BullMQ hook, no spans, no traceparent', async () => {
    const tracing = await start();
    expect(tracing.enabled).toBe(false);
    expect(tracing.queues).toBeUndefined();
    await inSpan('work', {}, async (span) => {
      expect(span.isRecording()).toBe(false);
      expect(currentTraceparent()).toBeUndefined();
    });
  });

  it('records spans with their parents, errors, and the service name', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await start({ OTEL_SERVICE_NAME: 'night-api' }, exporter);
    expect(tracing.enabled).toBe(true);
    expect(tracing.queues).toBeDefined();
    await inSpan('request', { kind: SpanKind.SERVER }, async () => {
      await inChildSpan(
        'step',
        () => ({ 'nightshift.batch.id': 'batch_1' }),
        {},
        async () => {},
      );
      await expect(
        inSpan('failing', {}, async () => {
          throw new Error('model down');
        }),
      ).rejects.toThrow('model down');
    });
    const spans = exporter.getFinishedSpans();
    const byName = new Map(spans.map((s) => [s.name, s]));
    const request = byName.get('request');
    expect(request?.parentSpanContext).toBeUndefined();
    expect(request?.resource.attributes['service.name']).toBe('night-api');
    expect(byName.get('step')?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    expect(byName.get('step')?.attributes['nightshift.batch.id']).toBe('batch_1');
    expect(byName.get('failing')?.status).toMatchObject({ code: 2, message: 'model down' });
    expect(byName.get('failing')?.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('marks planned errors as events, not failures', async () => {
    const exporter = new InMemorySpanExporter();
    await start({}, exporter);
    class HandedBack extends Error {
      override name = 'HandedBack';
    }
    await expect(
      inSpan(
        'job',
        { kind: SpanKind.CONSUMER, planned: (e) => e instanceof HandedBack },
        async () => {
          throw new HandedBack('hot work waits');
        },
      ),
    ).rejects.toThrow(HandedBack);
    const [job] = exporter.getFinishedSpans();
    expect(job?.status.code).toBe(0);
    expect(job?.events.map((e) => e.name)).toEqual(['HandedBack']);
  });

  it('makes no child span outside a trace (and never asks for its attributes)', async () => {
    const exporter = new InMemorySpanExporter();
    await start({}, exporter);
    let asked = false;
    await inChildSpan(
      'step',
      () => {
        asked = true;
        return {};
      },
      {},
      async (span) => expect(span).toBeUndefined(),
    );
    expect(asked).toBe(false);
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(traceRecording()).toBe(false);
    await inSpan('job', { kind: SpanKind.CONSUMER }, async () => {
      expect(traceRecording()).toBe(true);
    });
  });

  it('carries a trace across a traceparent string, as job data does', async () => {
    const exporter = new InMemorySpanExporter();
    await start({}, exporter);
    let traceparent: string | undefined;
    await inSpan('submit', { kind: SpanKind.PRODUCER }, async () => {
      traceparent = currentTraceparent();
    });
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    // Later, elsewhere, outside any span:
    await withTraceparent(traceparent, () =>
      inSpan('deliver', { kind: SpanKind.CONSUMER }, async () => {}),
    );
    const [submit, deliver] = exporter.getFinishedSpans();
    expect(deliver?.spanContext().traceId).toBe(submit?.spanContext().traceId);
    expect(deliver?.parentSpanContext?.spanId).toBe(submit?.spanContext().spanId);
  });

  it('starts no trace at a parentless internal span (BullMQ polls), but at a server span', async () => {
    const exporter = new InMemorySpanExporter();
    await start({}, exporter);
    nightshiftTracer().startSpan('getNextJob cold', { kind: SpanKind.INTERNAL }).end();
    nightshiftTracer().startSpan('GET /healthz', { kind: SpanKind.SERVER }).end();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['GET /healthz']);
  });

  it('shares one provider between apps of one process until the last one stops', async () => {
    const exporter = new InMemorySpanExporter();
    const first = await start({}, exporter);
    const second = await start();
    expect(second.enabled).toBe(true);
    await second.shutdown();
    nightshiftTracer().startSpan('still traced', { kind: SpanKind.SERVER }).end();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['still traced']);
    await first.shutdown();
    expect(trace.getActiveSpan()).toBeUndefined();
    expect((await start()).enabled).toBe(false);
  });
});

import { loadConfig } from '@nightshift/core';
import { startTracing, type Tracing } from '@nightshift/telemetry';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestTracing } from './request-tracing.ts';

describe('requestTracing', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  beforeAll(async () => {
    tracing = await startTracing(loadConfig({}), { serviceName: 'api-test', exporter });
  });
  afterAll(() => tracing.shutdown());

  it('opens one server span per request, named by its route, with status and tenant', async () => {
    const app = new Hono<{ Variables: { tenant: string } }>();
    app.use(requestTracing());
    app.onError((_error, c) => c.text('boom', 500));
    app.use('/v1/*', async (c, next) => {
      c.set('tenant', 'acme');
      await next();
    });
    app.get('/v1/batches/:id', (c) => c.json({ id: c.req.param('id') }));
    app.get('/v1/explode', () => {
      throw new Error('kaboom');
    });
    app.get('/readyz', (c) => c.text('ok'));

    const caller = `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`;
    await app.request('/v1/batches/batch_1', { headers: { traceparent: caller } });
    await app.request('/v1/explode');
    await app.request('/nowhere');
    await app.request('/readyz');

    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['GET /v1/batches/:id', 'GET /v1/explode', 'GET']);
    const [found, exploded, missing] = spans;
    expect(found?.kind).toBe(SpanKind.SERVER);
    expect(found?.spanContext().traceId).toBe('ab'.repeat(16));
    expect(found?.parentSpanContext?.spanId).toBe('cd'.repeat(8));
    expect(found?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/v1/batches/:id',
      'url.path': '/v1/batches/batch_1',
      'http.response.status_code': 200,
      'nightshift.tenant': 'acme',
    });
    expect(exploded?.attributes['http.response.status_code']).toBe(500);
    expect(exploded?.status.code).toBe(SpanStatusCode.ERROR);
    // A 404 is the caller's mistake: no route named, no failure.
    expect(missing?.attributes['http.response.status_code']).toBe(404);
    expect(missing?.attributes['http.route']).toBeUndefined();
    expect(missing?.status.code).toBe(SpanStatusCode.UNSET);
    expect(missing?.parentSpanContext).toBeUndefined();
  });
});

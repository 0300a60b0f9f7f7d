import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@nightshift/core';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inSpan } from './spans.ts';
import { startTracing } from './tracing.ts';

/** A collector stand-in: a real HTTP server that keeps what OTLP/HTTP posts to it. */
const received: { path: string; headers: IncomingMessage['headers']; body: string }[] = [];
const collector = createServer((request, response) => {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk: string) => {
    body += chunk;
  });
  request.on('end', () => {
    received.push({ path: request.url ?? '', headers: request.headers, body });
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
let endpoint: string;

beforeAll(async () => {
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
afterAll(() => {
  collector.close();
});

describe('OTLP export', () => {
  it('posts the spans to <OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces with the configured headers', async () => {
    const tracing = await startTracing(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=k%20123',
        OTEL_SERVICE_NAME: 'nightshift-export-test',
      }),
      { serviceName: 'ignored-when-OTEL_SERVICE_NAME-is-set' },
    );
    expect(tracing.enabled).toBe(true);
    await inSpan('POST /v1/batches', { kind: SpanKind.SERVER }, async () => {});
    // Spans are batched; stopping exports what is buffered.
    await tracing.shutdown();

    const [post] = received;
    expect(post?.path).toBe('/v1/traces');
    expect(post?.headers['x-collector-key']).toBe('k 123');
    expect(post?.body).toContain('"POST /v1/batches"');
    expect(post?.body).toContain('nightshift-export-test');
  });
});

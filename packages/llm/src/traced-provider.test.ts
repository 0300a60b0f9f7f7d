import { loadConfig } from '@nightshift/core';
import { inSpan, startTracing, type Tracing } from '@nightshift/telemetry';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { standInProvider } from '../test-support/stand-in-provider.ts';
import { LlmError } from './errors.ts';
import { tracedProvider } from './traced-provider.ts';

const model = 'qwen2:7b';
const request = {
  model,
  prompt: 'The cold lane drains batches at night; the hot lane answers people at once.',
  maxTokens: 64,
};

describe('tracedProvider against the Ollama stand-in', () => {
  const exporter = new InMemorySpanExporter();
  let ollama: OllamaStandIn;
  let tracing: Tracing;

  beforeAll(async () => {
    ollama = await startOllamaStandIn();
    tracing = await startTracing(loadConfig({}), { serviceName: 'llm-test', exporter });
  });
  afterEach(() => {
    exporter.reset();
    ollama.reset();
  });
  afterAll(async () => {
    await tracing.shutdown();
    await ollama.close();
  });

  const provider = () => tracedProvider(standInProvider(ollama.url));

  it('makes a client span per call with the GenAI attributes and the tokens of the answer', async () => {
    const result = await inSpan('job', { kind: SpanKind.CONSUMER }, () =>
      provider().complete(request),
    );
    const [call, job] = exporter.getFinishedSpans();
    expect(call?.name).toBe(`chat ${model}`);
    expect(call?.kind).toBe(SpanKind.CLIENT);
    expect(call?.parentSpanContext?.spanId).toBe(job?.spanContext().spanId);
    expect(call?.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'ollama',
      'gen_ai.request.model': model,
      'gen_ai.request.max_tokens': 64,
      'gen_ai.response.model': result.model,
      'gen_ai.usage.input_tokens': result.usage.promptTokens,
      'gen_ai.usage.output_tokens': result.usage.completionTokens,
    });
    expect(result.usage.completionTokens).toBeGreaterThan(0);
  });

  it('marks a failed call with its error kind, and the error still reaches the caller', async () => {
    ollama.failNext({ kind: 'oom' });
    const error = await inSpan('job', { kind: SpanKind.CONSUMER }, () =>
      provider().complete(request),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    const [call] = exporter.getFinishedSpans();
    expect(call?.attributes['error.type']).toBe((error as LlmError).kind);
    expect(call?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('makes no span for a call outside any trace', async () => {
    const result = await provider().complete(request);
    expect(result.text.length).toBeGreaterThan(0);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

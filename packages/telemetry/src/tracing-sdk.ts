import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Telemetry } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { QuietRootsSampler } from './quiet-roots-sampler.ts';
import type { TraceExport } from './trace-export.ts';

/** A provider registered as the process's global one. */
export interface RegisteredProvider {
  queues: Telemetry;
  /** Exports what is buffered, then unregisters it. */
  shutdown(): Promise<void>;
}

/**
 * Registers a tracer provider with W3C trace-context propagation and the AsyncLocalStorage
 * context manager. Loaded only when tracing is on: the SDK and the exporter take a noticeable
 * share of a process's start-up.
 */
export function registerProvider(
  serviceName: string,
  target: TraceExport,
  exporter?: SpanExporter,
): RegisteredProvider {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    sampler: new ParentBasedSampler({ root: new QuietRootsSampler() }),
    spanProcessors: [spanProcessor(target, exporter)],
  });
  provider.register();
  return {
    queues: new BullMQOtel({ tracerName: 'bullmq' }),
    async shutdown() {
      await provider.shutdown();
      // Unregistered, so a later start in this process (the next test) registers afresh.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

function spanProcessor(target: TraceExport, exporter?: SpanExporter): SpanProcessor {
  if (exporter) return new SimpleSpanProcessor(exporter);
  if (target.kind === 'otlp') {
    return new BatchSpanProcessor(
      new OTLPTraceExporter({ url: target.url, headers: target.headers }),
    );
  }
  return new SimpleSpanProcessor(new ConsoleSpanExporter());
}

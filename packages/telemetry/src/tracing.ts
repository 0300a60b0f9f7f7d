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
import { type TracingConfig, traceExport } from './trace-export.ts';

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /** `service.name` unless `OTEL_SERVICE_NAME` is set, e.g. `nightshift-worker`. */
  serviceName: string;
  /**
   * Spans go here, one by one as they end, whatever the configuration says (tests pass an
   * `InMemorySpanExporter`).
   */
  exporter?: SpanExporter;
}

/** Tracing of one process, on or off. */
export interface Tracing {
  /** True when spans are recorded and exported. */
  readonly enabled: boolean;
  /**
   * BullMQ's telemetry hook for every Queue, Worker and FlowProducer of the process (it carries
   * the W3C `traceparent` with each job); undefined when tracing is off, so BullMQ skips it.
   */
  readonly queues: Telemetry | undefined;
  /** Exports the spans still buffered and stops tracing (once the last user of it stops). */
  shutdown(): Promise<void>;
}

const off: Tracing = { enabled: false, queues: undefined, shutdown: async () => {} };

/**
 * The provider this process registered, shared by every app started in it (tests run the API,
 * a worker and a notifier in one process; OpenTelemetry has one global provider per process).
 */
let shared: { provider: NodeTracerProvider; queues: Telemetry; users: number } | null = null;

/**
 * Starts tracing from the standard `OTEL_*` variables (see {@link traceExport}): a tracer
 * provider with W3C trace-context propagation, exporting by OTLP/HTTP (batched) or to the
 * console. Off when the configuration says so: nothing is registered and no span is made.
 * A second call in one process joins the first one's provider.
 *
 * @example
 * const tracing = startTracing(config, { serviceName: 'nightshift-worker' });
 * const services = createServices(config, { queueTelemetry: tracing.queues });
 * // on stop: await tracing.shutdown();
 */
export function startTracing(config: TracingConfig, options: TracingOptions): Tracing {
  if (shared) return join(shared);
  const processor = spanProcessor(config, options.exporter);
  if (!processor) return off;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: config.OTEL_SERVICE_NAME ?? options.serviceName,
    }),
    sampler: new ParentBasedSampler({ root: new QuietRootsSampler() }),
    spanProcessors: [processor],
  });
  provider.register();
  shared = { provider, queues: new BullMQOtel({ tracerName: 'bullmq' }), users: 0 };
  return join(shared);
}

function spanProcessor(config: TracingConfig, exporter?: SpanExporter): SpanProcessor | null {
  if (exporter) return new SimpleSpanProcessor(exporter);
  const target = traceExport(config);
  if (target.kind === 'otlp') {
    return new BatchSpanProcessor(
      new OTLPTraceExporter({ url: target.url, headers: target.headers }),
    );
  }
  if (target.kind === 'console') return new SimpleSpanProcessor(new ConsoleSpanExporter());
  return null;
}

function join(current: NonNullable<typeof shared>): Tracing {
  current.users += 1;
  let stopped = false;
  return {
    enabled: true,
    queues: current.queues,
    async shutdown() {
      if (stopped) return;
      stopped = true;
      current.users -= 1;
      if (current.users > 0) return;
      if (shared === current) shared = null;
      await current.provider.shutdown();
      // Unregistered, so a later start in this process (the next test) registers afresh.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Telemetry } from 'bullmq';
import { type TracingConfig, traceExport } from './trace-export.ts';
import type { RegisteredProvider } from './tracing-sdk.ts';

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
let shared: { provider: Promise<RegisteredProvider>; users: number } | null = null;

/**
 * Starts tracing from the standard `OTEL_*` variables (see {@link traceExport}): a tracer
 * provider with W3C trace-context propagation, exporting by OTLP/HTTP (batched) or to the
 * console. Off when the configuration says so: the SDK is not even loaded, and no span is
 * made. A second call in one process joins the first one's provider.
 *
 * @example
 * const tracing = await startTracing(config, { serviceName: 'nightshift-worker' });
 * const services = createServices(config, { queueTelemetry: tracing.queues });
 * // on stop: await tracing.shutdown();
 */
export async function startTracing(
  config: TracingConfig,
  options: TracingOptions,
): Promise<Tracing> {
  if (!shared) {
    const target = traceExport(config);
    if (target.kind === 'off' && !options.exporter) return off;
    const serviceName = config.OTEL_SERVICE_NAME ?? options.serviceName;
    shared = {
      provider: import('./tracing-sdk.ts').then((sdk) =>
        sdk.registerProvider(serviceName, target, options.exporter),
      ),
      users: 0,
    };
  }
  const current = shared;
  current.users += 1;
  let provider: RegisteredProvider;
  try {
    provider = await current.provider;
  } catch (error) {
    // The SDK could not load: the next start tries again rather than joining a failure.
    if (shared === current) shared = null;
    throw error;
  }
  let stopped = false;
  return {
    enabled: true,
    queues: provider.queues,
    async shutdown() {
      if (stopped) return;
      stopped = true;
      current.users -= 1;
      if (current.users > 0) return;
      if (shared === current) shared = null;
      await provider.shutdown();
    },
  };
}

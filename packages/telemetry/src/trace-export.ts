import type { Config } from '@nightshift/core';

/** The `OTEL_*` part of the configuration that decides where spans go. */
export type TracingConfig = Pick<
  Config,
  | 'OTEL_SDK_DISABLED'
  | 'OTEL_TRACES_EXPORTER'
  | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_HEADERS'
  | 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'
  | 'OTEL_SERVICE_NAME'
>;

/** Where a process sends its spans, or nowhere. */
export type TraceExport =
  | { kind: 'otlp'; url: string; headers: Record<string, string> }
  | { kind: 'console' }
  | { kind: 'off' };

/** OTLP/HTTP's default collector address (the specification's default for traces). */
const defaultTracesUrl = 'http://localhost:4318/v1/traces';

/**
 * Reads the standard OpenTelemetry variables the way the specification does: off when
 * `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`; `OTEL_TRACES_EXPORTER=otlp|console`
 * turns it on; unset, an OTLP endpoint turns it on. Nothing set: off, and nothing is traced.
 *
 * @example
 * traceExport(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }));
 * // { kind: 'otlp', url: 'http://collector:4318/v1/traces', headers: {} }
 */
export function traceExport(config: TracingConfig): TraceExport {
  if (config.OTEL_SDK_DISABLED) return { kind: 'off' };
  const named = config.OTEL_TRACES_EXPORTER;
  const endpointSet =
    config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined ||
    config.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined;
  const otlp = named ? named.includes('otlp') : endpointSet;
  if (otlp) {
    return {
      kind: 'otlp',
      url: tracesUrl(config),
      headers: {
        ...config.OTEL_EXPORTER_OTLP_HEADERS,
        ...config.OTEL_EXPORTER_OTLP_TRACES_HEADERS,
      },
    };
  }
  return named?.includes('console') ? { kind: 'console' } : { kind: 'off' };
}

// The signal-specific endpoint is used as given; the base one gets the signal's path appended.
function tracesUrl(config: TracingConfig): string {
  if (config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!base) return defaultTracesUrl;
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

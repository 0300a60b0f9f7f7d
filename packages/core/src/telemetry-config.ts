import { z } from 'zod';

/**
 * `key=value` pairs separated by commas, values URL-encoded: the OpenTelemetry format of
 * `OTEL_EXPORTER_OTLP_HEADERS`.
 */
const otlpHeaders = z.string().transform((text, ctx) => {
  const headers: Record<string, string> = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    if (at <= 0 || !name) {
      ctx.addIssue({ code: 'custom', message: `'${pair}' is not key=value` });
      return z.NEVER;
    }
    try {
      headers[name] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      ctx.addIssue({ code: 'custom', message: `'${pair}' has a badly encoded value` });
      return z.NEVER;
    }
  }
  return headers;
});

/** The exporters `OTEL_TRACES_EXPORTER` may name (a comma-separated list in the spec). */
const tracesExporters = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((part) => part.trim().toLowerCase())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(['otlp', 'console', 'none'])));

const flag = z
  .enum(['true', 'false', 'TRUE', 'FALSE', 'True', 'False'])
  .transform((v) => v.toLowerCase() === 'true');

/**
 * The standard OpenTelemetry variables Nightshift reads (merged into `configSchema`). Tracing is
 * off unless an OTLP endpoint is set or `OTEL_TRACES_EXPORTER` names an exporter.
 */
export const telemetryConfigShape = {
  /** `true` turns tracing off whatever else is set. */
  OTEL_SDK_DISABLED: flag.default(false),
  /** `otlp`, `console` or `none`; unset: `otlp` when an endpoint is set, else tracing is off. */
  OTEL_TRACES_EXPORTER: tracesExporters.optional(),
  /** Base URL of an OTLP/HTTP collector; traces go to `<base>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** Full URL traces are posted to; wins over `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().url().optional(),
  /** Headers of every OTLP request (`api-key=…,tenant=…`), e.g. a collector's key. */
  OTEL_EXPORTER_OTLP_HEADERS: otlpHeaders.optional(),
  /** Headers of trace requests only; merged over `OTEL_EXPORTER_OTLP_HEADERS`. */
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: otlpHeaders.optional(),
  /** `service.name` of the spans; unset: `nightshift-<app>`. */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
};

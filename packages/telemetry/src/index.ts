export {
  currentTraceparent,
  inChildSpan,
  inSpan,
  nightshiftTracer,
  type SpanRunOptions,
  traceRecording,
  withTraceparent,
} from './spans.ts';
export { type TraceExport, type TracingConfig, traceExport } from './trace-export.ts';
export { startTracing, type Tracing, type TracingOptions } from './tracing.ts';

import {
  type Attributes,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanOptions,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/**
 * Nightshift's tracer, from the provider registered now: until `startTracing` registers one it
 * makes no spans. Asked for per span rather than kept, since a provider may be replaced (a
 * process's tests start and stop tracing more than once); the provider caches it by name.
 */
export const nightshiftTracer = () => trace.getTracer('nightshift');

/** How {@link inSpan} reads a thrown error. */
export interface SpanRunOptions extends SpanOptions {
  /**
   * Errors that end the work as planned rather than fail it (a job handed back to its queue):
   * recorded as an event named after the error, the span's status stays unset.
   */
  planned?: (error: unknown) => boolean;
}

/**
 * Runs `work` inside a new active span that ends when it settles; a thrown error is recorded on
 * the span (status ERROR, `exception` event) and thrown on.
 *
 * @example
 * await inSpan('submit batch', { kind: SpanKind.PRODUCER }, (span) => submitter.submit(input));
 */
export function inSpan<T>(
  name: string,
  options: SpanRunOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return nightshiftTracer().startActiveSpan(name, options, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      if (options.planned?.(error)) {
        span.addEvent((error as Error).name ?? 'planned');
      } else {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      }
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * True inside a trace being recorded (the active span records). One check: for code run
 * thousands of times a second, to build nothing for a span when there is none to make.
 */
export function traceRecording(): boolean {
  return trace.getActiveSpan()?.isRecording() === true;
}

/**
 * {@link inSpan} only inside a trace being recorded (a child of the active span); otherwise
 * `work` runs as is. For steps done thousands of times a second: without a trace they cost no
 * span, and `attributes` is not even called.
 *
 * @example
 * await inChildSpan('summarize document', () => ({ 'nightshift.document.id': id }), {}, () => run());
 */
export function inChildSpan<T>(
  name: string,
  attributes: () => Attributes,
  options: SpanRunOptions,
  work: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!traceRecording()) return work(undefined);
  return inSpan(name, { ...options, attributes: attributes() }, work);
}

/**
 * The W3C `traceparent` of the active span (`00-<trace id>-<span id>-<flags>`), to store with
 * work that another process picks up later; undefined outside a trace or with tracing off.
 */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/**
 * Runs `work` with the span named by `traceparent` as its parent (the active context), so the
 * spans it makes join that trace; without one, in the context as it is.
 *
 * @example
 * await withTraceparent(stored.traceparent, () => outbox.enqueue(event));
 */
export function withTraceparent<T>(traceparent: string | undefined, work: () => T): T {
  if (!traceparent) return work();
  return context.with(propagation.extract(ROOT_CONTEXT, { traceparent }), work);
}

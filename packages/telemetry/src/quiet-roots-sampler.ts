import { type Attributes, type Context, SpanKind, trace } from '@opentelemetry/api';
import { type Sampler, SamplingDecision, type SamplingResult } from '@opentelemetry/sdk-trace-base';

/**
 * Samples every span that belongs to a trace, and starts traces only where work enters a
 * process: a request (server), a queued message (producer, consumer) or a call out (client).
 * An internal span with no parent is dropped: BullMQ's workers open one per poll for the next
 * job and per stalled-job check, which would otherwise make a new trace every few seconds per
 * queue, per process, with nothing in it.
 */
export class QuietRootsSampler implements Sampler {
  shouldSample(
    context: Context,
    _traceId: string,
    _spanName: string,
    spanKind: SpanKind,
    _attributes: Attributes,
  ): SamplingResult {
    const parent = trace.getSpanContext(context);
    if (parent) {
      // The parent's decision stands, so a trace is kept or dropped whole.
      return {
        decision:
          parent.traceFlags & 1 ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD,
      };
    }
    return {
      decision:
        spanKind === SpanKind.INTERNAL
          ? SamplingDecision.NOT_RECORD
          : SamplingDecision.RECORD_AND_SAMPLED,
    };
  }

  toString(): string {
    return 'QuietRootsSampler';
  }
}

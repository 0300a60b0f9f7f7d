import { LlmError, toLlmError } from './errors.ts';

/** A per-call signal joining the caller's cancellation with the provider's timeout. */
export interface CallDeadline {
  /** Aborts when the caller aborts or the timeout passes. */
  signal: AbortSignal;
  /** Turns whatever the client threw into an LlmError, telling timeout from caller abort. */
  fail(err: unknown, context: { provider: string; model: string }): LlmError;
  /** Clears the timer; call it when the call is over. */
  dispose(): void;
}

/**
 * Starts the clock of one call. Our own timer (not the client's) decides `timeout`, so the
 * outcome does not depend on how each client library words its abort errors.
 */
export function startCallDeadline(
  callerSignal: AbortSignal | undefined,
  timeoutMs: number,
): CallDeadline {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    fail(err, context) {
      return callError(
        err,
        { timedOut, aborted: callerSignal?.aborted === true, timeoutMs },
        context,
      );
    },
    dispose() {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    },
  };
}

/**
 * What a failed call becomes: `timeout` when its time limit cut it short, `aborted` when its
 * caller cancelled it, else whatever the error itself says (see `toLlmError`).
 */
export function callError(
  err: unknown,
  outcome: { timedOut: boolean; aborted: boolean; timeoutMs: number },
  context: { provider: string; model: string },
): LlmError {
  const { provider, model } = context;
  if (outcome.timedOut) {
    return new LlmError(
      'timeout',
      `${provider} ${model}: no answer within ${outcome.timeoutMs} ms`,
      {
        cause: err,
        model,
      },
    );
  }
  if (outcome.aborted) {
    return new LlmError('aborted', `${provider} ${model}: call aborted`, { cause: err, model });
  }
  return toLlmError(err, context);
}

/** Drops `<think>…</think>` reasoning blocks some models (qwen3, deepseek-r1) emit inline. */
export function stripReasoning(text: string): string {
  return text
    .replace(/<think>[\s\S]*?<\/think>/g, '')
    .replace(/^[\s\S]*<\/think>/, '')
    .trim();
}

import { GatewayError } from './gateway-error.ts';

/**
 * When one gateway call must end, whatever its upstream does: its caller went away, or its
 * total deadline (`NIGHTSHIFT_GATEWAY_TOTAL_TIMEOUT_S`) passed. The read timeout only catches a
 * silent server; a stream that keeps trickling, or a client library that ignores its abort,
 * would otherwise hold an upstream slot and an interactive lease for ever.
 *
 * @example
 * const end = new CallEnd(call.signal, 600_000);
 * try { first = await end.race(iterator.next()); } finally { end.dispose(); }
 */
export class CallEnd {
  /** Aborts when the caller goes away or the deadline passes. */
  readonly signal: AbortSignal;
  readonly #caller: AbortSignal;
  readonly #deadline = new AbortController();
  readonly #totalMs: number | undefined;
  readonly #timer: NodeJS.Timeout | undefined;

  /** `totalMs` undefined: no deadline, only the caller's signal. */
  constructor(caller: AbortSignal, totalMs: number | undefined) {
    this.#caller = caller;
    this.#totalMs = totalMs;
    if (totalMs !== undefined) {
      this.#timer = setTimeout(() => this.#deadline.abort(), totalMs);
      this.#timer.unref();
    }
    this.signal = AbortSignal.any([caller, this.#deadline.signal]);
  }

  /** True once the deadline passed (and not the caller's leaving first). */
  get pastDeadline(): boolean {
    return this.#deadline.signal.aborted && !this.#caller.aborted;
  }

  /** Why the call ended: a 504 for the deadline, the caller's own abort reason otherwise. */
  error(): unknown {
    if (this.pastDeadline)
      return new GatewayError(
        'timeout',
        `The call passed its total deadline of ${Math.round((this.#totalMs ?? 0) / 1000)} s.`,
      );
    return this.#caller.reason ?? new DOMException('The caller went away.', 'AbortError');
  }

  /**
   * `promise`, or {@link error} the moment the call ends, whichever comes first: an upstream
   * call stuck past its own abort cannot keep the call waiting.
   */
  race<T>(promise: Promise<T>): Promise<T> {
    if (this.signal.aborted) {
      promise.catch(() => {});
      return Promise.reject(this.error());
    }
    return new Promise<T>((resolve, reject) => {
      const onEnd = () => reject(this.error());
      this.signal.addEventListener('abort', onEnd, { once: true });
      promise.then(
        (value) => {
          this.signal.removeEventListener('abort', onEnd);
          resolve(value);
        },
        (error: unknown) => {
          this.signal.removeEventListener('abort', onEnd);
          reject(error);
        },
      );
    });
  }

  /** The call finished: its deadline no longer matters. */
  dispose(): void {
    clearTimeout(this.#timer);
  }
}

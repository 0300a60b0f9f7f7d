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
  // One controller and a listener on the caller's signal rather than `AbortSignal.any` of the
  // caller and a deadline controller: the same end, for a fraction of its cost per call.
  readonly #ended = new AbortController();
  readonly #onCaller: (() => void) | undefined;
  readonly #totalMs: number | undefined;
  readonly #timer: NodeJS.Timeout | undefined;
  #deadlinePassed = false;

  /** `totalMs` undefined: no deadline, only the caller's signal. */
  constructor(caller: AbortSignal, totalMs: number | undefined) {
    this.#caller = caller;
    this.#totalMs = totalMs;
    this.signal = this.#ended.signal;
    if (caller.aborted) this.#ended.abort(caller.reason);
    else {
      this.#onCaller = () => this.#ended.abort(caller.reason);
      caller.addEventListener('abort', this.#onCaller, { once: true });
    }
    if (totalMs !== undefined && !caller.aborted) {
      this.#timer = setTimeout(() => {
        this.#deadlinePassed = true;
        this.#ended.abort();
      }, totalMs);
      this.#timer.unref();
    }
  }

  /** True once the deadline passed (and not the caller's leaving first). */
  get pastDeadline(): boolean {
    return this.#deadlinePassed && !this.#caller.aborted;
  }

  /**
   * The signal of one attempt of the call, stopped by `attempt` or by the call's end (as
   * `AbortSignal.any([signal, attempt.signal])`, without its cost).
   */
  attemptSignal(attempt: AbortController): AbortSignal {
    if (this.signal.aborted) attempt.abort(this.signal.reason);
    else
      this.signal.addEventListener('abort', () => attempt.abort(this.signal.reason), {
        once: true,
      });
    return attempt.signal;
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

  /** The call finished: its deadline and its caller's leaving no longer matter. */
  dispose(): void {
    clearTimeout(this.#timer);
    if (this.#onCaller) this.#caller.removeEventListener('abort', this.#onCaller);
  }
}

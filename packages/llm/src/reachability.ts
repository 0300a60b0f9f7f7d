/** Options of {@link Reachability}. */
export interface ReachabilityOptions {
  /** Asks the server whether it answers (e.g. {@link isOllamaReachable}); never throws. */
  probe: () => Promise<boolean>;
  /**
   * While the server is known to be down, how long to trust that before probing again, ms.
   * Default 5 000. Calls in between are skipped without touching the network.
   */
  recheckMs?: number;
  /** Called when the verdict changes (for a log line): `up` after `down`/`unknown`, and back. */
  onChange?: (state: 'up' | 'down') => void;
  /** Clock, injectable for tests. Default `Date.now`. */
  now?: () => number;
}

/** What a {@link Reachability} knows: `unknown` until the first probe or call. */
export type ReachabilityState = 'up' | 'down' | 'unknown';

/**
 * Whether a model server (one Ollama, shared by every target on it) answers, kept current by
 * the calls themselves and a cheap probe. While up, asking costs nothing: a real call that
 * finds the server gone marks it down. While down, one probe at most every `recheckMs` (shared
 * by the calls that arrive meanwhile) decides whether it is back. No timer runs: an idle worker
 * probes nothing.
 *
 * @example
 * const ollama = new Reachability({ probe: () => isOllamaReachable(host, 1000) });
 * const chain = createModelChain({
 *   targets: [{ provider, model: 'qwen3:32b', reachability: ollama }, { provider: extractive, model: 'extractive' }],
 * });
 */
export class Reachability {
  readonly #probe: () => Promise<boolean>;
  readonly #recheckMs: number;
  readonly #now: () => number;
  readonly #onChange: ((state: 'up' | 'down') => void) | undefined;
  #state: ReachabilityState = 'unknown';
  #checkedAt = 0;
  #probing: Promise<boolean> | undefined;

  constructor(options: ReachabilityOptions) {
    this.#probe = options.probe;
    this.#recheckMs = Math.max(0, options.recheckMs ?? 5_000);
    this.#now = options.now ?? Date.now;
    this.#onChange = options.onChange;
  }

  /** The last verdict, without probing. */
  get state(): ReachabilityState {
    return this.#state;
  }

  /**
   * True when a call may go to the server: at once (no promise) while it is up or recently
   * found down; otherwise after a probe.
   */
  available(): boolean | Promise<boolean> {
    if (this.#state === 'up') return true;
    if (this.#state === 'down' && this.#now() - this.#checkedAt < this.#recheckMs) return false;
    if (!this.#probing) {
      this.#probing = this.#probe()
        .catch(() => false)
        .then((up) => {
          this.#probing = undefined;
          this.#settle(up ? 'up' : 'down');
          return up;
        });
    }
    return this.#probing;
  }

  /** A call reached the server. */
  markUp(): void {
    if (this.#state !== 'up') this.#settle('up');
  }

  /** A call found the server gone (connection refused, reset): skip it until the next probe. */
  markDown(): void {
    this.#settle('down');
  }

  #settle(state: 'up' | 'down'): void {
    const changed = state !== this.#state;
    this.#state = state;
    this.#checkedAt = this.#now();
    if (changed) this.#onChange?.(state);
  }
}

/** Options of {@link CircuitBreaker}. */
export interface BreakerOptions {
  /** Consecutive fallback-kind failures that open the breaker. Default 3. */
  failureThreshold?: number;
  /** How long an open breaker skips its target before letting one trial call through, ms. Default 30 000. */
  cooldownMs?: number;
  /** Clock, injectable for tests. Default `Date.now`. */
  now?: () => number;
}

/** A breaker's state, for logs, metrics and tests. */
export interface BreakerSnapshot {
  /** `closed`: calls pass; `open`: calls are skipped; `half_open`: cooldown over, one trial may pass. */
  state: 'closed' | 'open' | 'half_open';
  consecutiveFailures: number;
  /** Epoch ms when an open breaker lets a trial through; undefined when closed. */
  retryAt: number | undefined;
}

/**
 * Classic three-state breaker for one chain target: after `failureThreshold` consecutive
 * failures the target is skipped for `cooldownMs`; then a single trial call decides whether it
 * closes (success) or opens for another cooldown (failure).
 *
 * @example
 * const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 30_000 });
 * if (breaker.tryAcquire()) { try { await call(); breaker.succeeded(); } catch { breaker.failed(); } }
 */
export class CircuitBreaker {
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private failures = 0;
  private openUntil: number | undefined;
  private trialInFlight = false;

  constructor(options: BreakerOptions = {}) {
    this.threshold = Math.max(1, options.failureThreshold ?? 3);
    this.cooldownMs = Math.max(0, options.cooldownMs ?? 30_000);
    this.now = options.now ?? Date.now;
  }

  /** True when a call may go to the target now (claims the single trial when half open). */
  tryAcquire(): boolean {
    if (this.openUntil === undefined) return true;
    if (this.now() < this.openUntil || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** The target answered. */
  succeeded(): void {
    this.failures = 0;
    this.openUntil = undefined;
    this.trialInFlight = false;
  }

  /** The target failed in a way that says it is unhealthy (oom, busy, missing, timeout, down). */
  failed(): void {
    this.failures++;
    this.trialInFlight = false;
    if (this.failures >= this.threshold) this.openUntil = this.now() + this.cooldownMs;
  }

  /** The call ended without a verdict on the target's health (aborted, bad request). */
  released(): void {
    this.trialInFlight = false;
  }

  snapshot(): BreakerSnapshot {
    const state =
      this.openUntil === undefined ? 'closed' : this.now() < this.openUntil ? 'open' : 'half_open';
    return { state, consecutiveFailures: this.failures, retryAt: this.openUntil };
  }
}

import {
  AccountingStore,
  type BookedCharge,
  CallLedger,
  DocumentCounts,
} from '@nightshift/accounting';
import { MetricsRecorder, nightshiftMetrics, UsageLedger, WriteBehind } from '@nightshift/metrics';
import type { Redis } from 'ioredis';

/** Options of {@link GpuAccounting}. */
export interface GpuAccountingOptions {
  redis: Redis;
  /** The longest a call may last, ms (`NIGHTSHIFT_GATEWAY_TOTAL_TIMEOUT_S` + a margin). */
  maxCallMs: number;
  /** Hears failures of the background writes. */
  onError?: (error: Error) => void;
}

/**
 * GPU time and energy, wired once per process: the {@link CallLedger} every model call of this
 * process is accounted on, whose bookings go on to the tenants' usage (`GET /v1/usage`) and to
 * `/metrics`, written together once a second; and the readers of what was charged.
 *
 * @example
 * const accounting = new GpuAccounting({ redis, maxCallMs: 610_000 });
 * new Gateway({ pool, fallbacks, accounting: accounting.ledger });
 */
export class GpuAccounting {
  readonly ledger: CallLedger;
  readonly store: AccountingStore;
  readonly documents: DocumentCounts;
  readonly #writes: WriteBehind;
  readonly #usage: UsageLedger;
  readonly #metrics: MetricsRecorder;

  constructor(options: GpuAccountingOptions) {
    const onError = options.onError ?? (() => {});
    // Bookings come once per model call: gathered a second, they cost one transaction.
    this.#writes = new WriteBehind({ redis: options.redis, flushMs: 1000, onError });
    this.#usage = new UsageLedger({ redis: options.redis, writes: this.#writes });
    this.#metrics = new MetricsRecorder({ redis: options.redis, writes: this.#writes, onError });
    this.ledger = new CallLedger({
      redis: options.redis,
      maxCallMs: options.maxCallMs,
      onError: (error) => onError(error as Error),
      onCharged: (charge) => this.#book(charge),
    });
    this.store = new AccountingStore({ redis: options.redis });
    this.documents = new DocumentCounts({ redis: options.redis, writes: this.#writes });
  }

  /** Energy a server spent with no call running, for `/metrics` (the sampler's idle part). */
  idleEnergy(server: string, joules: number): void {
    if (joules > 0) void this.#metrics.inc(nightshiftMetrics.idleEnergy, { server }, joules / 3600);
  }

  /** Waits (at most `withinMs`) for the ledger's writes, then writes what is gathered. */
  async close(withinMs = 2000): Promise<void> {
    await this.ledger.settled(withinMs);
    await this.#writes.close();
  }

  #book(charge: BookedCharge): Promise<unknown> {
    const energyWh = charge.joules === null ? null : charge.joules / 3600;
    const labels = { tenant: charge.tenant, lane: charge.lane, model: charge.model };
    return Promise.all([
      this.#usage.charge({
        tenant: charge.tenant,
        model: charge.model,
        gpuSeconds: charge.gpuSeconds,
        energyWh,
      }),
      charge.gpuSeconds > 0
        ? this.#metrics.inc(nightshiftMetrics.gpuSeconds, labels, charge.gpuSeconds)
        : undefined,
      energyWh !== null ? this.#metrics.inc(nightshiftMetrics.energy, labels, energyWh) : undefined,
    ]);
  }
}

import type { Redis } from 'ioredis';

/** Options of {@link CallLedger}. */
export interface CallLedgerOptions {
  /** A client connection (commands only). */
  redis: Redis;
  /**
   * The longest a call may last, ms: a call not ended by then (its process lives but never
   * ended it) is closed at that bound, and calls older than it are forgotten. Default 610 000: the gateway's total
   * timeout default (600 s) and a margin; pass `NIGHTSHIFT_GATEWAY_TOTAL_TIMEOUT_S` + 10 s.
   */
  maxCallMs?: number;
  /**
   * How often this ledger tells Redis that the calls it started still run, ms. Default 5 000.
   */
  heartbeatMs?: number;
  /**
   * A running call with no sign of life for this long (its process died, or lost Redis) is
   * closed at its last sign of life, so it stops sharing its server's time with the living
   * calls. Default three heartbeats.
   */
  staleMs?: number;
  /**
   * A server whose last energy sample is older than this has no energy source now: its calls'
   * energy is unknown (null), never 0. Default 10 000 ms (ten sampler periods).
   */
  energyFreshMs?: number;
  /**
   * A call whose energy still waits this long after its end for a sample past it (the sampler
   * stopped) is charged by extrapolation at the last power. Default 60 000 ms.
   */
  pendingForceMs?: number;
  /** Life of the hourly buckets, s. Default 8 days (the dashboard shows 7). */
  hourTtlS?: number;
  /** Life of a batch's and its documents' totals after their last charge, s. Default 30 days. */
  totalsTtlS?: number;
  /** Hears failures of the background writes (never thrown at a caller). */
  onError?: (error: unknown) => void;
  /**
   * Hears each charge as it is booked: a call's GPU seconds at its end (with its energy when
   * the samples already cover it), and a waiting call's energy when a later sample settles it
   * (`gpuSeconds` 0 then). The usage ledger and the metrics count from it. Not awaited.
   */
  onCharged?: (charge: BookedCharge) => unknown;
}

/** One booking of {@link CallLedgerOptions.onCharged}. */
export interface BookedCharge {
  tenant: string;
  lane: 'hot' | 'cold';
  model: string;
  server: string;
  gpuSeconds: number;
  /** Joules booked now; null when none (pending, or the server has no energy source). */
  joules: number | null;
}

/** What one ended call was charged. */
export interface CallCharge {
  gpuSeconds: number;
  /** Joules, when already known (`energy: 'known'`). */
  joules: number | null;
  /** `pending`: charged when the next sample covers the call's end; `none`: no energy source. */
  energy: 'known' | 'pending' | 'none';
}

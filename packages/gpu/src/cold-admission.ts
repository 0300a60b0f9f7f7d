import { summarizeVram, type VramReading } from './vram-reading.ts';

/** Why cold work may or may not start now. */
export type ColdAdmissionReason =
  /** At least one more cold job may start. */
  | 'ok'
  /** Outside every off-peak window. */
  | 'window_closed'
  /** A hot job is waiting: the hot lane always goes first. */
  | 'hot_waiting'
  /** The probe failed; without facts, cold work waits. */
  | 'vram_unknown'
  /** VRAM use is above `maxUsedPct`. */
  | 'vram_over_threshold'
  /** Under the threshold, but free memory holds no further slot. */
  | 'vram_insufficient'
  /** Every configured cold slot is running. */
  | 'slots_full';

/** Inputs of {@link coldAdmission}. */
export interface ColdAdmissionInput {
  /** `coldWindowState(…).open`. */
  windowOpen: boolean;
  /** The latest (cached) VRAM reading. */
  reading: VramReading;
  /** `NIGHTSHIFT_VRAM_MAX_USED_PCT`: above this, no cold job starts. */
  maxUsedPct: number;
  /** A hot job is queued and not yet running. */
  hotWaiting: boolean;
  /** `NIGHTSHIFT_VRAM_RESERVE_MIB`: memory always left free (headroom for a hot session). */
  reserveMiB: number;
  /** `NIGHTSHIFT_SLOT_MEMORY_MIB`, default `memoryPerSlotMiB(NIGHTSHIFT_NUM_CTX)`. */
  memoryPerSlotMiB: number;
  /** `NIGHTSHIFT_COLD_CONCURRENCY`. */
  maxSlots: number;
  /** Cold jobs this worker is running now. */
  runningCold: number;
}

/** Decision of {@link coldAdmission}. */
export interface ColdAdmission {
  /** A new cold job may start now (`openSlots > 0`). */
  admit: boolean;
  /**
   * How many cold jobs may be in flight, running ones included: the cold concurrency to
   * apply. 0 when the window is closed or hot work waits (running jobs wind down or yield);
   * the running count when VRAM blocks (no new job, none evicted: the memory they hold is
   * already out of the reading).
   */
  slots: number;
  /** `max(0, slots − runningCold)`: cold jobs that may start now. */
  openSlots: number;
  /** Why. */
  reason: ColdAdmissionReason;
}

/**
 * Decides whether cold work may start. Checks in order: window, hot lane, VRAM. Then
 * `slots = min(maxSlots, runningCold + ⌊(free − reserve) / memoryPerSlot⌋)`: the reported
 * free memory already excludes what running jobs hold, so they keep their slots and only
 * the remaining memory is cut into new ones. A `none` reading ignores VRAM (slots =
 * maxSlots); an `unknown` one makes cold work wait.
 *
 * @example
 * coldAdmission({ windowOpen: true, reading, maxUsedPct: 95, hotWaiting: false,
 *   reserveMiB: 1024, memoryPerSlotMiB: 1536, maxSlots: 2, runningCold: 0 });
 * // { admit: true, slots: 2, openSlots: 2, reason: 'ok' }
 */
export function coldAdmission(input: ColdAdmissionInput): ColdAdmission {
  const { reading, maxSlots, runningCold } = input;
  if (!(input.memoryPerSlotMiB > 0) || !(maxSlots >= 0) || !(runningCold >= 0)) {
    throw new RangeError('memoryPerSlotMiB must be positive, maxSlots and runningCold >= 0');
  }
  const blocked = (slots: number, reason: ColdAdmissionReason): ColdAdmission => ({
    admit: false,
    slots,
    openSlots: 0,
    reason,
  });
  const holding = Math.min(runningCold, maxSlots);

  if (!input.windowOpen) return blocked(0, 'window_closed');
  if (input.hotWaiting) return blocked(0, 'hot_waiting');

  let slots = maxSlots;
  if (reading.status === 'unknown') return blocked(holding, 'vram_unknown');
  if (reading.status === 'ok') {
    const vram = summarizeVram(reading.gpus);
    if (vram.usedPct > input.maxUsedPct) return blocked(holding, 'vram_over_threshold');
    const fitting = Math.max(
      0,
      Math.floor((vram.freeMiB - input.reserveMiB) / input.memoryPerSlotMiB),
    );
    slots = Math.min(maxSlots, runningCold + fitting);
  }

  const openSlots = Math.max(0, slots - runningCold);
  if (openSlots > 0) return { admit: true, slots, openSlots, reason: 'ok' };
  return blocked(slots, slots >= maxSlots ? 'slots_full' : 'vram_insufficient');
}

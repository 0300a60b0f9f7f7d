import type { ServerLoadReading } from './server-load.ts';
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
  /**
   * Free memory is below the reserve kept for interactive work: not even a hot session fits.
   * Running cold jobs yield at their next chunk boundary.
   */
  | 'vram_short'
  /** Free memory, less what started jobs will still take, holds no further session. */
  | 'vram_insufficient'
  /** The model server's `/metrics` could not be read; without facts, cold work waits. */
  | 'server_unknown'
  /** Requests wait inside the model server: it is full, and more would only queue there. */
  | 'server_waiting'
  /** Every cold slot (the tuned concurrency, or its cap) is running. */
  | 'slots_full';

/** Inputs of {@link coldAdmission}. */
export interface ColdAdmissionInput {
  /** `coldWindowState(…).open`. */
  windowOpen: boolean;
  /** The latest (cached) VRAM reading. */
  reading: VramReading;
  /** A hot job is queued and not yet running. */
  hotWaiting: boolean;
  /** `NIGHTSHIFT_VRAM_RESERVE_MIB`: memory always left free (headroom for a hot session). */
  reserveMiB: number;
  /** `NIGHTSHIFT_SLOT_MEMORY_MIB`, default `memoryPerSlotMiB(NIGHTSHIFT_NUM_CTX)`. */
  memoryPerSlotMiB: number;
  /** Most cold jobs at once: the tuned concurrency, never above `NIGHTSHIFT_COLD_CONCURRENCY`. */
  maxSlots: number;
  /** Cold jobs this worker is running now. */
  runningCold: number;
  /**
   * Running cold jobs whose memory the reading cannot show yet: started too recently for the
   * model server to have allocated their KV cache, or for the probe to have seen it. Each is
   * charged `memoryPerSlotMiB` against the free memory. Default 0.
   */
  unseenCold?: number;
  /**
   * The model server's own load (vLLM or SGLang `/metrics`), when it reports one. Such a server
   * reserves its memory at start and manages its KV cache itself, so the VRAM reading is not
   * consulted: requests waiting inside the server are the sign that it is full.
   */
  server?: ServerLoadReading;
  /**
   * The previous reading of the server showed requests waiting too. One reading alone is not
   * enough: a request that arrives mid-step waits for the next step even on a server with room.
   */
  serverQueuedBefore?: boolean;
}

/** Decision of {@link coldAdmission}. */
export interface ColdAdmission {
  /** A new cold job may start now (`openSlots > 0`). */
  admit: boolean;
  /**
   * How many cold jobs may be in flight, running ones included: the cold concurrency to
   * apply. 0 when the window is closed or hot work waits (running jobs wind down or yield);
   * the running count when memory or the server blocks (no new job, none evicted).
   */
  slots: number;
  /** `max(0, slots − runningCold)`: cold jobs that may start now. */
  openSlots: number;
  /** Why. */
  reason: ColdAdmissionReason;
}

/**
 * Decides whether cold work may start. Checks in order: window, hot lane, then the model
 * server's load when it reports one, else GPU memory: `slots = min(maxSlots, runningCold +
 * ⌊(free − reserve − unseen × memoryPerSlot) / memoryPerSlot⌋)`. The reported free memory
 * already excludes what seen jobs hold, so they keep their slots and only the rest is cut into
 * new sessions; no percentage of the card is consulted, since a card can be 96 % full and still
 * hold the next session. A `none` reading ignores VRAM (slots = maxSlots); an `unknown` one makes
 * cold work wait.
 *
 * @example
 * coldAdmission({ windowOpen: true, reading, hotWaiting: false, reserveMiB: 1024,
 *   memoryPerSlotMiB: 1536, maxSlots: 2, runningCold: 0 });
 * // { admit: true, slots: 2, openSlots: 2, reason: 'ok' }
 */
export function coldAdmission(input: ColdAdmissionInput): ColdAdmission {
  const { reading, maxSlots, runningCold, server } = input;
  const unseen = Math.min(input.unseenCold ?? 0, runningCold);
  if (!(input.memoryPerSlotMiB > 0) || !(maxSlots >= 0) || !(runningCold >= 0) || unseen < 0) {
    throw new RangeError('memoryPerSlotMiB must be positive, the counts >= 0');
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
  if (server) {
    if (server.status === 'unknown') return blocked(holding, 'server_unknown');
    if (server.load.waiting > 0 && input.serverQueuedBefore) {
      return blocked(holding, 'server_waiting');
    }
  } else if (reading.status === 'unknown') {
    return blocked(holding, 'vram_unknown');
  } else if (reading.status === 'ok') {
    const { freeMiB } = summarizeVram(reading.gpus);
    if (freeMiB < input.reserveMiB) return blocked(holding, 'vram_short');
    const spare = freeMiB - input.reserveMiB - unseen * input.memoryPerSlotMiB;
    const fitting = Math.max(0, Math.floor(spare / input.memoryPerSlotMiB));
    slots = Math.min(maxSlots, runningCold + fitting);
  }

  const openSlots = Math.max(0, slots - runningCold);
  if (openSlots > 0) return { admit: true, slots, openSlots, reason: 'ok' };
  return blocked(slots, slots >= maxSlots ? 'slots_full' : 'vram_insufficient');
}

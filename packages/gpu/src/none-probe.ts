import type { VramProbe } from './vram-reading.ts';

/**
 * The probe for workers without GPU facts (`NIGHTSHIFT_GPU_PROBE=none`, e.g. the extractive
 * provider on a laptop). Every reading is `{status: 'none'}`, which admission reads as
 * "ignore VRAM": windows, hot-lane priority and slot counts still apply. This differs from
 * `unknown`, a failed probe, where cold work waits.
 *
 * @example
 * await createNoneProbe().read(); // { status: 'none', at }
 */
export function createNoneProbe(): VramProbe {
  return {
    kind: 'none',
    read: async () => ({ status: 'none', at: new Date() }),
  };
}

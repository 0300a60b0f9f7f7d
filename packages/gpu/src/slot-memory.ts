/** Options of {@link memoryPerSlotMiB}. */
export interface SlotMemoryOptions {
  /**
   * KV-cache bytes per context token. Default 196 608 (192 KiB): calibrated to the field
   * report's 1.2–1.8 GB per session for a 32B model at 8k context. For reference, a 32B
   * model with 64 layers × 8 KV heads × 128 dims holds 256 KiB/token at f16 and 128 KiB/token
   * at q8_0; the default sits between, since real sessions rarely fill the whole context.
   */
  bytesPerToken?: number;
}

/** Default KV-cache bytes per token; see {@link SlotMemoryOptions.bytesPerToken}. */
export const DEFAULT_KV_BYTES_PER_TOKEN = 192 * 1024;

/**
 * Estimated GPU memory one concurrent session holds (its KV cache), from the context size
 * (`NIGHTSHIFT_NUM_CTX`). Used as the default of `NIGHTSHIFT_SLOT_MEMORY_MIB`.
 *
 * @example
 * memoryPerSlotMiB(8192); // 1536 (1.5 GiB)
 * memoryPerSlotMiB(8192, { bytesPerToken: 262_144 }); // 2048 (f16 cache of a 32B model)
 */
export function memoryPerSlotMiB(numCtx: number, options: SlotMemoryOptions = {}): number {
  const bytesPerToken = options.bytesPerToken ?? DEFAULT_KV_BYTES_PER_TOKEN;
  if (!(numCtx > 0) || !(bytesPerToken > 0)) {
    throw new RangeError('numCtx and bytesPerToken must be positive');
  }
  return Math.max(1, Math.ceil((numCtx * bytesPerToken) / (1024 * 1024)));
}

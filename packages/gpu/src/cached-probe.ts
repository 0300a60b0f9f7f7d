import type { VramProbe, VramReading } from './vram-reading.ts';

/** Options of {@link cachedProbe}. */
export interface CachedProbeOptions {
  /** A reading younger than this is reused. Default 250 ms, i.e. at most ~4 probes a second. */
  maxAgeMs?: number;
  /** Clock in ms, injectable for tests. Default `Date.now`. */
  now?: () => number;
}

/** A probe that remembers its last reading. */
export interface CachedVramProbe extends VramProbe {
  /** The last reading taken, without probing; `undefined` before the first. */
  last(): VramReading | undefined;
}

/**
 * Wraps a probe so that it runs at most once per `maxAgeMs`, and callers that arrive while a
 * probe is running share it instead of starting their own. Failed (`unknown`) readings are
 * cached as well, so a broken nvidia-smi is not hammered. Age counts from when a probe ended.
 *
 * @example
 * const probe = cachedProbe(createNvidiaSmiProbe(), { maxAgeMs: 250 });
 * await Promise.all([probe.read(), probe.read()]); // one nvidia-smi run
 */
export function cachedProbe(probe: VramProbe, options: CachedProbeOptions = {}): CachedVramProbe {
  const maxAgeMs = options.maxAgeMs ?? 250;
  const now = options.now ?? Date.now;
  let cached: { reading: VramReading; takenAt: number } | undefined;
  let inFlight: Promise<VramReading> | undefined;

  const refresh = async (): Promise<VramReading> => {
    let reading: VramReading;
    try {
      reading = await probe.read();
    } catch (error) {
      // Probes promise not to throw; a custom one might, and a throw must not escape to a lane.
      reading = {
        status: 'unknown',
        reason: `probe threw: ${(error as Error).message}`,
        at: new Date(),
      };
    }
    cached = { reading, takenAt: now() };
    return reading;
  };

  return {
    kind: probe.kind,
    last: () => cached?.reading,
    read(): Promise<VramReading> {
      if (cached && now() - cached.takenAt < maxAgeMs) return Promise.resolve(cached.reading);
      if (!inFlight) {
        inFlight = refresh().finally(() => {
          inFlight = undefined;
        });
      }
      return inFlight;
    },
  };
}

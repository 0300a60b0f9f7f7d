import { readNvidiaSmiCapture } from '@nightshift/testkit/fake-nvidia-smi';
import { describe, expect, it } from 'vitest';
import { type ColdAdmissionInput, coldAdmission } from './cold-admission.ts';
import { hotAdmission } from './hot-admission.ts';
import { parseNvidiaSmiCsv } from './nvidia-smi-csv.ts';
import { retryAfterSeconds } from './retry-after.ts';
import { memoryPerSlotMiB } from './slot-memory.ts';
import { type GpuMemory, gpuMemory, summarizeVram, type VramReading } from './vram-reading.ts';

const at = new Date('2026-01-01T00:00:00Z');
function h200Gpus(state: 'idle' | 'used-0.50' | 'used-0.96'): GpuMemory[] {
  const parsed = parseNvidiaSmiCsv(readNvidiaSmiCapture(state, 'query-gpu.csv'));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.gpus;
}
function h200(state: 'idle' | 'used-0.50' | 'used-0.96'): VramReading {
  return { status: 'ok', gpus: h200Gpus(state), at };
}
/** A 24 GiB card with `freeMiB` free. */
function card(freeMiB: number): VramReading {
  return {
    status: 'ok',
    gpus: [gpuMemory({ index: 0, totalMiB: 24576, usedMiB: 24576 - freeMiB, freeMiB })],
    at,
  };
}
const unknown: VramReading = { status: 'unknown', reason: 'nvidia-smi not found', at };
const none: VramReading = { status: 'none', at };

const base: ColdAdmissionInput = {
  windowOpen: true,
  reading: h200('idle'),
  hotWaiting: false,
  reserveMiB: 1024,
  memoryPerSlotMiB: 1536,
  maxSlots: 2,
  runningCold: 0,
};

describe('coldAdmission', () => {
  it.each<[string, Partial<ColdAdmissionInput>, boolean, number, number, string]>([
    // name, overrides, admit, slots, openSlots, reason
    ['idle H200', {}, true, 2, 2, 'ok'],
    ['idle H200, one running', { runningCold: 1 }, true, 2, 1, 'ok'],
    ['idle H200, all running', { runningCold: 2 }, false, 2, 0, 'slots_full'],
    ['concurrency lowered below running', { runningCold: 3 }, false, 2, 0, 'slots_full'],
    ['H200 at 50 %', { reading: h200('used-0.50'), maxSlots: 8 }, true, 8, 8, 'ok'],
    // The field report's card: 96 % of it used, yet (5634 − 1024) / 1536 = 3 sessions fit.
    [
      'H200 at 96 % still holds 3 sessions',
      { reading: h200('used-0.96'), maxSlots: 8 },
      true,
      3,
      3,
      'ok',
    ],
    [
      'H200 at 96 %, slots of 8 GiB: none fits',
      { reading: h200('used-0.96'), memoryPerSlotMiB: 8192, runningCold: 1 },
      false,
      1,
      0,
      'vram_insufficient',
    ],
    ['window closed', { windowOpen: false, runningCold: 1 }, false, 0, 0, 'window_closed'],
    ['hot job waiting', { hotWaiting: true, runningCold: 1 }, false, 0, 0, 'hot_waiting'],
    ['probe failed', { reading: unknown, runningCold: 1 }, false, 1, 0, 'vram_unknown'],
    ['no probe: VRAM ignored', { reading: none, maxSlots: 3, runningCold: 1 }, true, 3, 2, 'ok'],
    [
      'no probe, window still counts',
      { reading: none, windowOpen: false },
      false,
      0,
      0,
      'window_closed',
    ],
    // 24 GiB card: (free − 1024) / 1536 new slots on top of the running ones.
    ['room for exactly one', { reading: card(2560) }, true, 1, 1, 'ok'],
    ['one MiB short of one', { reading: card(2559) }, false, 0, 0, 'vram_insufficient'],
    [
      'running ones keep their slot',
      { reading: card(2000), runningCold: 1 },
      false,
      1,
      0,
      'vram_insufficient',
    ],
    ['one running, room for one more', { reading: card(2560), runningCold: 1 }, true, 2, 1, 'ok'],
    ['capped by maxSlots', { reading: card(20_000), maxSlots: 4 }, true, 4, 4, 'ok'],
    [
      'free below reserve: not even a hot session fits',
      { reading: card(1500), reserveMiB: 2000, runningCold: 1 },
      false,
      1,
      0,
      'vram_short',
    ],
    // Started jobs whose KV the reading does not show yet are charged a session each.
    [
      'three seen running, room for one more',
      { reading: card(2560), runningCold: 3, maxSlots: 8 },
      true,
      4,
      1,
      'ok',
    ],
    [
      'the third started just now: its session is not in the reading yet',
      { reading: card(2560), runningCold: 3, unseenCold: 1, maxSlots: 8 },
      false,
      3,
      0,
      'vram_insufficient',
    ],
    [
      'unseen counts never exceed the running ones',
      { reading: card(20_000), runningCold: 1, unseenCold: 5, maxSlots: 8 },
      true,
      8,
      7,
      'ok',
    ],
  ])('%s', (_name, overrides, admit, slots, openSlots, reason) => {
    expect(coldAdmission({ ...base, ...overrides })).toEqual({ admit, slots, openSlots, reason });
  });

  it('counts free memory across GPUs; a full second card does not stop the first', () => {
    const gpus = [
      ...h200Gpus('idle'),
      gpuMemory({ index: 1, totalMiB: 100, usedMiB: 97, freeMiB: 3 }),
    ];
    expect(summarizeVram(gpus)).toEqual({ freeMiB: 143159, totalMiB: 143871, usedPct: 97 });
    const two: VramReading = { status: 'ok', gpus, at };
    expect(coldAdmission({ ...base, reading: two, maxSlots: 8 })).toMatchObject({ slots: 8 });
  });

  describe("with the model server's own load (vLLM, SGLang)", () => {
    const load = (running: number, waiting: number) =>
      ({
        status: 'ok',
        load: { running, waiting, kvUsage: 0.5, generatedTokens: 0 },
        at,
      }) as const;

    it('ignores nvidia-smi: a vLLM card is 96 % reserved from the start', () => {
      const decision = coldAdmission({
        ...base,
        reading: h200('used-0.96'),
        memoryPerSlotMiB: 8192,
        maxSlots: 16,
        server: load(4, 0),
      });
      expect(decision).toEqual({ admit: true, slots: 16, openSlots: 16, reason: 'ok' });
    });

    it('starts nothing while requests wait inside the server, and keeps the running ones', () => {
      const queued = { server: load(8, 2), serverQueuedBefore: true };
      expect(coldAdmission({ ...base, runningCold: 3, maxSlots: 8, ...queued })).toEqual({
        admit: false,
        slots: 3,
        openSlots: 0,
        reason: 'server_waiting',
      });
    });

    it('takes a queue in one reading only for arrivals waiting on the next step', () => {
      const once = { server: load(8, 2), serverQueuedBefore: false };
      expect(coldAdmission({ ...base, runningCold: 3, maxSlots: 8, ...once })).toMatchObject({
        admit: true,
        reason: 'ok',
      });
    });

    it('waits when the server cannot be read', () => {
      const server = { status: 'unknown', reason: 'refused', at } as const;
      expect(coldAdmission({ ...base, server }).reason).toBe('server_unknown');
    });

    it('still yields to the window and to hot work first', () => {
      expect(coldAdmission({ ...base, windowOpen: false, server: load(0, 0) }).reason).toBe(
        'window_closed',
      );
      expect(coldAdmission({ ...base, hotWaiting: true, server: load(0, 0) }).reason).toBe(
        'hot_waiting',
      );
    });
  });

  it('refuses nonsense configuration', () => {
    expect(() => coldAdmission({ ...base, memoryPerSlotMiB: 0 })).toThrow(RangeError);
  });
});

describe('hotAdmission', () => {
  const hot = { maxUsedPct: 95, hotRunning: 0, hotSlots: 2, hotQueued: 0, hotMaxQueue: 50 };
  it.each<[string, VramReading, Partial<typeof hot>, boolean, string]>([
    ['idle card', h200('idle'), {}, true, 'ok'],
    ['96 % with a free hot slot', h200('used-0.96'), { hotRunning: 1 }, true, 'ok'],
    ['96 % and hot lane full', h200('used-0.96'), { hotRunning: 2 }, false, 'vram_over_threshold'],
    [
      '50 % and hot lane full: queue it',
      h200('used-0.50'),
      { hotRunning: 2, hotQueued: 10 },
      true,
      'ok',
    ],
    ['queue at its maximum', h200('idle'), { hotQueued: 50 }, false, 'hot_queue_full'],
    ['queue one below maximum', h200('idle'), { hotQueued: 49 }, true, 'ok'],
    ['probe failed: users are not turned away', unknown, { hotRunning: 2 }, true, 'ok'],
    ['no probe', none, { hotRunning: 2 }, true, 'ok'],
    ['no probe, queue full', none, { hotQueued: 60 }, false, 'hot_queue_full'],
  ])('%s', (_name, reading, overrides, admit, reason) => {
    expect(hotAdmission({ reading, ...hot, ...overrides })).toEqual({ admit, reason });
  });
});

describe('memoryPerSlotMiB', () => {
  it.each([
    [8192, undefined, 1536],
    [4096, undefined, 768],
    [32768, undefined, 6144],
    [8192, 262_144, 2048],
    [1, undefined, 1],
  ])('num_ctx %i at %s bytes/token → %i MiB', (numCtx, bytesPerToken, mib) => {
    expect(memoryPerSlotMiB(numCtx, bytesPerToken ? { bytesPerToken } : {})).toBe(mib);
  });

  it('lands inside the field report’s 1.2–1.8 GB per 8k session', () => {
    const bytes = memoryPerSlotMiB(8192) * 1024 * 1024;
    expect(bytes).toBeGreaterThan(1.2e9);
    expect(bytes).toBeLessThan(1.8e9);
  });

  it('refuses a context that is not positive', () => {
    expect(() => memoryPerSlotMiB(0)).toThrow(RangeError);
  });
});

describe('retryAfterSeconds', () => {
  it.each<[string, number[], number, number, number]>([
    ['one wave at the median', [4000, 6000, 5000], 0, 2, 5],
    ['two waves ahead', [4000, 6000, 5000], 3, 2, 10],
    ['even count: lower median', [1000, 2000, 3000, 9000], 0, 1, 2],
    ['rounds up to whole seconds', [1200], 0, 1, 2],
    ['at least one second', [10], 0, 4, 1],
    ['at most 120 seconds', [60_000], 10, 1, 120],
    ['no observations: 30 s default', [], 0, 2, 30],
    ['zero slots read as one', [5000], 1, 0, 10],
    ['bad samples ignored', [Number.NaN, -5, 5000], 0, 1, 5],
  ])('%s', (_name, durations, queued, slots, seconds) => {
    expect(retryAfterSeconds(durations, queued, slots)).toBe(seconds);
  });

  it('takes a different default and bounds', () => {
    expect(retryAfterSeconds([], 0, 1, { defaultDurationMs: 8000 })).toBe(8);
    expect(retryAfterSeconds([500_000], 0, 1, { maxSeconds: 300 })).toBe(300);
  });
});

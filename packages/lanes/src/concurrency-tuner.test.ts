import { describe, expect, it } from 'vitest';
import { ConcurrencyTuner } from './concurrency-tuner.ts';

/**
 * A continuous-batching server in miniature: it runs up to `capacity` requests and queues the
 * rest. The lane keeps `limit` requests in flight (its backlog is long).
 */
function runAgainst(tuner: ConcurrencyTuner, capacity: number, seconds: number): number[] {
  const limits: number[] = [];
  for (let t = 0; t < seconds * 4; t++) {
    const inFlight = tuner.limit;
    limits.push(tuner.update(t * 250, { inFlight, waiting: Math.max(0, inFlight - capacity) }));
  }
  return limits;
}

describe('ConcurrencyTuner with a server that reports its queue (vLLM)', () => {
  it('climbs by doubling, then holds at the KV capacity', () => {
    const tuner = new ConcurrencyTuner({ max: 256 });
    const limits = runAgainst(tuner, 64, 40);
    // 2 → 4 → … → 128 (waiting 64) → 64: within seven intervals.
    expect(limits.slice(0, 30)).toContain(128);
    const settled = limits.slice(-80);
    expect(Math.min(...settled)).toBeGreaterThanOrEqual(63);
    expect(Math.max(...settled)).toBeLessThanOrEqual(65);
    expect(tuner.phase).toBe('holding');
  });

  it('never passes its cap, and never goes below its floor', () => {
    const capped = new ConcurrencyTuner({ max: 8 });
    expect(Math.max(...runAgainst(capped, 64, 20))).toBe(8);
    const floored = new ConcurrencyTuner({ max: 64, min: 2 });
    for (let t = 0; t < 40; t++) floored.update(t * 1000, { inFlight: 2, waiting: 50 });
    expect(floored.limit).toBe(2);
  });

  it('backs off while chat traffic queues in the server, and climbs back quickly after', () => {
    const tuner = new ConcurrencyTuner({ max: 256, initial: 32 });
    let now = 0;
    const tick = (waiting: number) => {
      now += 1000;
      return tuner.update(now, { inFlight: tuner.limit, waiting });
    };
    tick(0); // 64
    tick(0); // 64 ran full without a queue: 128
    expect(tuner.limit).toBe(128);
    for (let i = 0; i < 8; i++) tick(20); // the first reading only starts the queue's clock // chat requests wait behind the cold ones
    expect(tuner.limit).toBe(1);
    const back: number[] = [];
    for (let i = 0; i < 7; i++) back.push(tick(0));
    expect(back.slice(0, 6)).toEqual([2, 4, 8, 16, 32, 64]);
    expect(back[6]).toBe(65); // past what was proven, one at a time
  });

  it('takes a queue that comes and goes for arrivals waiting on the next step', () => {
    const tuner = new ConcurrencyTuner({ max: 64, initial: 16, intervalMs: 500, queueMs: 1000 });
    tuner.update(0, { inFlight: 16, waiting: 0 }); // 32
    tuner.update(250, { inFlight: 32, waiting: 5 });
    expect(tuner.update(500, { inFlight: 32, waiting: 0 })).toBe(64);
    // A queue in every reading for a second is a full server: 64 in flight, 3 of them waiting.
    let limit = 0;
    for (let t = 750; t <= 2000; t += 250) limit = tuner.update(t, { inFlight: 64, waiting: 3 });
    expect(limit).toBe(61);
  });

  it('takes nothing off again while its own excess drains', () => {
    const tuner = new ConcurrencyTuner({ max: 256, initial: 128, queueMs: 0 });
    // 128 in flight, 64 of them queued: the server holds 64.
    expect(tuner.update(0, { inFlight: 128, waiting: 64 })).toBe(64);
    // The 64 above the new limit finish one by one; the queue they form is no news.
    expect(tuner.update(1000, { inFlight: 120, waiting: 56 })).toBe(64);
    expect(tuner.update(2000, { inFlight: 64, waiting: 0 })).toBe(65);
  });

  it('learns nothing while the lane does not fill its limit', () => {
    const tuner = new ConcurrencyTuner({ max: 64, initial: 16 });
    for (let t = 1; t < 10; t++) tuner.update(t * 1000, { inFlight: 3, waiting: 0 });
    expect(tuner.limit).toBe(16);
  });

  it('changes at most once per interval', () => {
    const tuner = new ConcurrencyTuner({ max: 64, initial: 4, intervalMs: 1000 });
    expect(tuner.update(0, { inFlight: 4, waiting: 0 })).toBe(8);
    expect(tuner.update(500, { inFlight: 8, waiting: 0 })).toBe(8);
    expect(tuner.update(1000, { inFlight: 8, waiting: 0 })).toBe(16);
  });

  it('halves on hot traffic once per interval, and doubles back to what worked after it', () => {
    const tuner = new ConcurrencyTuner({ max: 256, initial: 64, intervalMs: 500 });
    expect(tuner.hotTraffic(0)).toBe(32);
    expect(tuner.hotTraffic(100)).toBe(32); // the same burst of chats
    for (let t = 500; t <= 2500; t += 500) tuner.hotTraffic(t);
    expect(tuner.limit).toBe(1);
    const back: number[] = [];
    for (let t = 3000; t <= 6000; t += 500)
      back.push(tuner.update(t, { inFlight: tuner.limit, waiting: 0 }));
    expect(back).toEqual([2, 4, 8, 16, 32, 64, 65]);
  });

  it('halves at once on out-of-memory or busy answers, then climbs one at a time', () => {
    const tuner = new ConcurrencyTuner({ max: 64, initial: 16 });
    tuner.update(0, { inFlight: 16, waiting: 0 }); // 32, proven 16
    expect(tuner.overload(10)).toBe(16);
    expect(tuner.overload(20)).toBe(8);
    expect(tuner.update(2000, { inFlight: 8, waiting: 0 })).toBe(16); // 16 was proven
    expect(tuner.update(3000, { inFlight: 16, waiting: 0 })).toBe(17);
  });
});

describe('ConcurrencyTuner with a slot server that reports no queue (Ollama)', () => {
  /** Ollama with `parallel` slots: a document's time per token grows once requests queue. */
  function runSlots(tuner: ConcurrencyTuner, parallel: number, seconds: number): number[] {
    const limits: number[] = [];
    for (let t = 1; t <= seconds; t++) {
      const inFlight = tuner.limit;
      const slowdown = Math.max(1, inFlight / parallel);
      for (let d = 0; d < 3; d++) {
        tuner.recordDocument(t * 1000 - 10, { durationMs: 2000 * slowdown, completionTokens: 200 });
      }
      limits.push(tuner.update(t * 1000, { inFlight }));
    }
    return limits;
  }

  it('settles at the parallel slots: more would only queue inside the server', () => {
    const tuner = new ConcurrencyTuner({ max: 64 });
    const limits = runSlots(tuner, 4, 60);
    const settled = limits.slice(-30);
    expect(Math.min(...settled)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...settled)).toBeLessThanOrEqual(6);
  });

  it('does not climb on no news: nothing finished since the last change', () => {
    const tuner = new ConcurrencyTuner({ max: 64, initial: 4 });
    tuner.recordDocument(0, { durationMs: 1000, completionTokens: 100 });
    expect(tuner.update(1, { inFlight: 4 })).toBe(8);
    expect(tuner.update(5000, { inFlight: 8 })).toBe(8);
    tuner.recordDocument(6000, { durationMs: 1000, completionTokens: 100 });
    expect(tuner.update(6001, { inFlight: 8 })).toBe(16);
  });
});

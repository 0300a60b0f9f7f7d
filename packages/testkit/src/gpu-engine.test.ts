import { describe, expect, it } from 'vitest';
import { GpuEngine, SequenceTooLongError } from './gpu-engine.ts';

/** Runs the engine on a virtual clock until idle; returns the elapsed virtual ms. */
function runToIdle(engine: GpuEngine): number {
  let elapsed = 0;
  while (engine.busy()) {
    elapsed += engine.stepMs();
    engine.step();
  }
  return elapsed;
}

/** Tokens per virtual second for `total` requests sent by `concurrency` clients in waves. */
function virtualThroughput(concurrency: number, total: number): number {
  const engine = new GpuEngine({
    stepBaseMs: 8,
    stepPerSeqMs: 0.4,
    kvCapacityTokens: 16 * 24,
    maxNumSeqs: 256,
  });
  let sent = 0;
  let tokens = 0;
  // Each client sends its next request as soon as the previous one is done (closed loop).
  const send = () => {
    if (sent >= total) return;
    sent++;
    engine.submit({
      promptTokens: 8,
      outputTokens: 16,
      onToken: () => tokens++,
      onDone: send,
    });
  };
  for (let i = 0; i < concurrency; i++) send();
  const ms = runToIdle(engine);
  return (tokens / ms) * 1000;
}

describe('GpuEngine (continuous batching)', () => {
  it('makes every running sequence emit one token per step, and a step costs a + b × running', () => {
    const engine = new GpuEngine({ stepBaseMs: 8, stepPerSeqMs: 0.5, kvCapacityTokens: 1000 });
    const tokens: string[] = [];
    engine.submit({ promptTokens: 4, outputTokens: 2, onToken: (i) => tokens.push(`a${i}`) });
    engine.submit({ promptTokens: 4, outputTokens: 3, onToken: (i) => tokens.push(`b${i}`) });
    expect(engine.stepMs()).toBe(9);
    expect(engine.step()).toBe(2);
    expect(engine.stats()).toMatchObject({ running: 2, waiting: 0, kvUsedTokens: 10 });
    expect(engine.step()).toBe(2);
    // `a` is done after two tokens: the third step runs `b` alone and costs less.
    expect(engine.stepMs()).toBe(8.5);
    expect(engine.step()).toBe(1);
    expect(engine.busy()).toBe(false);
    expect(tokens).toEqual(['a0', 'b0', 'a1', 'b1', 'b2']);
  });

  it('keeps a sequence that does not fit in the KV cache waiting, first come first served, until KV frees up', () => {
    const engine = new GpuEngine({ kvCapacityTokens: 20 });
    const done: string[] = [];
    engine.submit({ promptTokens: 5, outputTokens: 5, onDone: () => done.push('first') });
    engine.submit({ promptTokens: 5, outputTokens: 5, onDone: () => done.push('second') });
    engine.submit({ promptTokens: 5, outputTokens: 5, onDone: () => done.push('third') });
    // A small one behind the blocked head still waits: FIFO, no overtaking.
    engine.submit({ promptTokens: 1, outputTokens: 1, onDone: () => done.push('small') });
    engine.step();
    expect(engine.stats()).toMatchObject({ running: 2, waiting: 2 });
    expect(engine.stats().kvUsage).toBeCloseTo(12 / 20);
    for (let i = 0; i < 4; i++) engine.step();
    expect(done).toEqual(['first', 'second']);
    expect(engine.stats()).toMatchObject({ running: 0, waiting: 2, kvUsedTokens: 0 });
    engine.step();
    expect(engine.stats()).toMatchObject({ running: 1, waiting: 0 });
    runToIdle(engine);
    expect(done).toEqual(['first', 'second', 'small', 'third']);
  });

  it('caps running sequences at maxNumSeqs even when the KV cache has room', () => {
    const engine = new GpuEngine({ kvCapacityTokens: 10_000, maxNumSeqs: 3 });
    for (let i = 0; i < 5; i++) engine.submit({ promptTokens: 1, outputTokens: 4 });
    engine.step();
    expect(engine.stats()).toMatchObject({ running: 3, waiting: 2 });
  });

  it('rejects a sequence larger than the whole KV cache instead of letting it wait forever', () => {
    const engine = new GpuEngine({ kvCapacityTokens: 100 });
    expect(() => engine.submit({ promptTokens: 90, outputTokens: 20 })).toThrow(
      SequenceTooLongError,
    );
    expect(engine.busy()).toBe(false);
  });

  it('drops a sequence whose onAdmit refuses, and admits the next one in its place', () => {
    const engine = new GpuEngine({ kvCapacityTokens: 100, maxNumSeqs: 1 });
    const done: string[] = [];
    engine.submit({
      promptTokens: 1,
      outputTokens: 1,
      onAdmit: () => false,
      onDone: () => done.push('refused'),
    });
    engine.submit({ promptTokens: 1, outputTokens: 1, onDone: () => done.push('next') });
    engine.step();
    expect(done).toEqual(['next']);
    expect(engine.busy()).toBe(false);
  });

  it('frees the KV of a cancelled sequence at once', () => {
    const engine = new GpuEngine({ kvCapacityTokens: 10 });
    const first = engine.submit({ promptTokens: 5, outputTokens: 5 });
    engine.submit({ promptTokens: 5, outputTokens: 5 });
    engine.step();
    expect(engine.stats()).toMatchObject({ running: 1, waiting: 1 });
    engine.cancel(first);
    engine.step();
    expect(engine.stats()).toMatchObject({ running: 1, waiting: 0 });
  });

  it('gives more tokens/s with concurrency until the KV cache is full, then flattens (virtual clock)', () => {
    const curve = [1, 4, 16, 64].map((c) => virtualThroughput(c, 128));
    const [c1, c4, c16, c64] = curve as [number, number, number, number];
    // One sequence: 16 tokens in 16 steps of 8.4 ms.
    expect(c1).toBeCloseTo((1 / 8.4) * 1000, 5);
    // Rising: more sequences share each step's fixed cost `a`.
    expect(c4).toBeGreaterThan(3 * c1);
    expect(c16).toBeGreaterThan(2.5 * c4);
    // Flat: the KV cache holds 16 sequences (24 tokens each), so 64 clients get what 16 get.
    expect(c64 / c16).toBeGreaterThan(0.95);
    expect(c64 / c16).toBeLessThan(1.05);
  });
});

/**
 * The scheduling core of the GPU stand-in: vLLM-like continuous batching, with no HTTP and no
 * timers. One {@link GpuEngine.step} is one forward pass of the batch: waiting sequences are
 * admitted first-come first-served while the KV cache and the sequence cap allow, then every
 * running sequence emits one token. The caller decides when steps happen (see
 * {@link GpuEngine.stepMs}), so tests can drive it by hand and get the same result every time.
 */

/** Options of {@link GpuEngine}. */
export interface GpuEngineOptions {
  /** Fixed cost of one step in ms (the `a` of `a + b × running`). Default 8. */
  stepBaseMs?: number;
  /** Extra cost per running sequence in ms (the `b` of `a + b × running`). Default 0.4. */
  stepPerSeqMs?: number;
  /**
   * KV cache capacity in tokens, shared by every running sequence (prompt + tokens it may
   * generate). Default 16 384. `Infinity` turns the KV limit off.
   */
  kvCapacityTokens?: number;
  /** Most sequences running at once (vLLM's `--max-num-seqs`). Default 256. */
  maxNumSeqs?: number;
  /** Called after anything that may change the running count (admission, a step, a cancel). */
  onRunningChange?: () => void;
}

/** A sequence handed to {@link GpuEngine.submit}. */
export interface SequenceRequest {
  /** Tokens of the prompt (they sit in the KV cache from the first step). */
  promptTokens: number;
  /** Tokens to generate; the sequence finishes after that many steps. */
  outputTokens: number;
  /** Called once per generated token, with its index (0-based). */
  onToken?: (index: number) => void;
  /** Called once, after the last token (or at once when `outputTokens` is 0). */
  onDone?: () => void;
  /**
   * Called when the sequence is about to start running; returning false drops it instead
   * (neither `onToken` nor `onDone` is called then). Lets a caller take resources, such as GPU
   * memory, only once a request runs rather than while it waits.
   */
  onAdmit?: () => boolean;
}

/** A sequence in the engine. */
export interface Sequence extends SequenceRequest {
  /** Submission order, for FIFO admission. */
  readonly id: number;
  /** Tokens generated so far. */
  generated: number;
}

/** Thrown by {@link GpuEngine.submit} for a sequence that could never fit in the KV cache. */
export class SequenceTooLongError extends Error {}

/** Counts behind the `/metrics` gauges. */
export interface EngineStats {
  running: number;
  waiting: number;
  /** KV tokens held by running sequences (prompt + generated so far). */
  kvUsedTokens: number;
  /** Share of the KV cache in use, 0..1 (0 when the capacity is unlimited). */
  kvUsage: number;
  /** Tokens generated since the engine was made. */
  generatedTokens: number;
}

/** vLLM-like continuous batching over a KV cache of fixed size. */
export class GpuEngine {
  readonly stepBaseMs: number;
  readonly stepPerSeqMs: number;
  readonly kvCapacityTokens: number;
  readonly maxNumSeqs: number;
  private readonly onRunningChange: () => void;
  private readonly running: Sequence[] = [];
  private readonly waiting: Sequence[] = [];
  /** KV reserved by running sequences: prompt + every token they may still generate. */
  private reservedTokens = 0;
  private nextId = 0;
  private generatedTotal = 0;

  constructor(options: GpuEngineOptions = {}) {
    this.stepBaseMs = Math.max(0, options.stepBaseMs ?? 8);
    this.stepPerSeqMs = Math.max(0, options.stepPerSeqMs ?? 0.4);
    this.kvCapacityTokens = Math.max(1, options.kvCapacityTokens ?? 16_384);
    this.maxNumSeqs = Math.max(1, Math.floor(options.maxNumSeqs ?? 256));
    this.onRunningChange = options.onRunningChange ?? (() => {});
  }

  /**
   * Queues a sequence; it starts at the next step that has room for it. Throws
   * {@link SequenceTooLongError} when prompt + output exceed the whole KV cache, since such a
   * sequence would wait forever (vLLM rejects it up front too).
   */
  submit(request: SequenceRequest): Sequence {
    if (this.footprint(request) > this.kvCapacityTokens) {
      throw new SequenceTooLongError(
        `sequence needs ${this.footprint(request)} KV tokens, the cache holds ${this.kvCapacityTokens}`,
      );
    }
    const sequence: Sequence = { ...request, id: this.nextId++, generated: 0 };
    this.waiting.push(sequence);
    return sequence;
  }

  /** Drops a sequence (its client went away), freeing its KV at once. */
  cancel(sequence: Sequence): void {
    const w = this.waiting.indexOf(sequence);
    if (w >= 0) this.waiting.splice(w, 1);
    const r = this.running.indexOf(sequence);
    if (r >= 0) {
      this.running.splice(r, 1);
      this.reservedTokens -= this.footprint(sequence);
      this.onRunningChange();
    }
  }

  /** True while anything runs or waits. */
  busy(): boolean {
    return this.running.length > 0 || this.waiting.length > 0;
  }

  /** How long the next step takes: `a + b × running` once the waiting ones are admitted. */
  stepMs(): number {
    return this.stepBaseMs + this.stepPerSeqMs * this.admissibleCount();
  }

  /**
   * One forward pass: admits what fits (FIFO: the head of the queue blocks the ones behind it,
   * as in vLLM), emits one token per running sequence and retires the finished ones.
   * Returns how many tokens it produced.
   */
  step(): number {
    this.admit();
    let produced = 0;
    for (const sequence of [...this.running]) {
      if (sequence.generated < sequence.outputTokens) {
        sequence.onToken?.(sequence.generated);
        sequence.generated++;
        produced++;
      }
      if (sequence.generated >= sequence.outputTokens) {
        this.running.splice(this.running.indexOf(sequence), 1);
        this.reservedTokens -= this.footprint(sequence);
        sequence.onDone?.();
      }
    }
    this.generatedTotal += produced;
    this.onRunningChange();
    return produced;
  }

  /** Current counts, for /metrics and tests. */
  stats(): EngineStats {
    const kvUsedTokens = this.running.reduce((sum, s) => sum + s.promptTokens + s.generated, 0);
    return {
      running: this.running.length,
      waiting: this.waiting.length,
      kvUsedTokens,
      kvUsage: Number.isFinite(this.kvCapacityTokens)
        ? Math.min(1, kvUsedTokens / this.kvCapacityTokens)
        : 0,
      generatedTokens: this.generatedTotal,
    };
  }

  private footprint(request: SequenceRequest): number {
    return Math.max(0, request.promptTokens) + Math.max(0, request.outputTokens);
  }

  private fits(sequence: SequenceRequest, running: number, reserved: number): boolean {
    return (
      running < this.maxNumSeqs && reserved + this.footprint(sequence) <= this.kvCapacityTokens
    );
  }

  private admissibleCount(): number {
    let running = this.running.length;
    let reserved = this.reservedTokens;
    for (const sequence of this.waiting) {
      if (!this.fits(sequence, running, reserved)) break;
      running++;
      reserved += this.footprint(sequence);
    }
    return running;
  }

  /**
   * Moves waiting sequences that fit into the batch. {@link step} does it too; a runner calls it
   * when a step begins, so the counts seen during the step are those of the running batch.
   */
  admit(): void {
    // Reserving the whole output up front means a running sequence never has to be preempted.
    while (this.waiting.length > 0) {
      const head = this.waiting[0] as Sequence;
      if (!this.fits(head, this.running.length, this.reservedTokens)) break;
      this.waiting.shift();
      if (head.onAdmit && !head.onAdmit()) continue;
      this.running.push(head);
      this.reservedTokens += this.footprint(head);
    }
    this.onRunningChange();
  }
}

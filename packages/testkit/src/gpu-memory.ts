/**
 * GPU memory of the Ollama-like mode: a budget in bytes shared by the loaded models' weights and
 * the KV memory of the requests running on them. Pure bookkeeping, no HTTP and no timers.
 */

/** Thrown when a model load or a request does not fit in the budget. */
export class OutOfMemoryError extends Error {}

/** Bytes held under one name (a model's weights, or a request's KV). */
export interface Allocation {
  readonly bytes: number;
  /** Gives the bytes back; calling it twice frees them once. */
  free(): void;
}

/** A memory budget; allocations either fit whole or fail with {@link OutOfMemoryError}. */
export class MemoryBudget {
  private usedBytes = 0;

  /** @param budgetBytes total GPU memory the stand-in pretends to have. */
  constructor(readonly budgetBytes: number) {}

  /** Bytes held now. */
  used(): number {
    return this.usedBytes;
  }

  /** Holds `bytes`, or throws {@link OutOfMemoryError} (with `message`) when they do not fit. */
  allocate(bytes: number, message: string): Allocation {
    const size = Math.max(0, bytes);
    if (this.usedBytes + size > this.budgetBytes) throw new OutOfMemoryError(message);
    this.usedBytes += size;
    let freed = false;
    return {
      bytes: size,
      free: () => {
        if (freed) return;
        freed = true;
        this.usedBytes -= size;
      },
    };
  }
}

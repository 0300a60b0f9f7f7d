import { type BatchObject, terminalBatchStatuses } from '@nightshift/core';
import type { ApiClient } from './api-client.ts';
import type { ProgressBar } from './progress-bar.ts';

/** Options of {@link watchBatch}. */
export interface WatchBatchOptions {
  api: ApiClient;
  batchId: string;
  /** Milliseconds between polls of `GET /v1/batches/:id`. */
  intervalMs: number;
  progress: ProgressBar;
  /** Aborting stops the polling (the batch itself keeps running). */
  signal?: AbortSignal;
}

/**
 * Polls a batch until it reaches a terminal status, drawing progress after every poll, and
 * returns the final batch object. Resolves `null` when aborted.
 *
 * @example
 * const final = await watchBatch({ api, batchId, intervalMs: 1000, progress });
 */
export async function watchBatch(options: WatchBatchOptions): Promise<BatchObject | null> {
  const { api, batchId, progress, signal } = options;
  try {
    for (;;) {
      if (signal?.aborted) return null;
      const batch = await api.call((c) =>
        c.GET('/v1/batches/{id}', { params: { path: { id: batchId } } }),
      );
      progress.update(batch);
      if (terminalBatchStatuses.includes(batch.status)) return batch;
      await sleep(options.intervalMs, signal);
    }
  } finally {
    progress.done();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

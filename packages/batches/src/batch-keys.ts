import { keyPrefix } from '@nightshift/core';

/** Redis keys of one batch's record. All share the `{nightshift}` hash tag (one cluster slot). */
export const batchKeys = (batchId: string) => ({
  /** Hash: the batch's fields, counts and usage. */
  record: `${keyPrefix}:batch:${batchId}`,
  /** List: document ids in submission order (the order of the results stream). */
  documents: `${keyPrefix}:batch:${batchId}:documents`,
  /** Hash: document id → state (absent means queued). */
  states: `${keyPrefix}:batch:${batchId}:states`,
  /** Hash: document id → result JSON. */
  results: `${keyPrefix}:batch:${batchId}:results`,
  /** Hash: document id → checkpoint JSON (chunk summaries done so far). */
  checkpoints: `${keyPrefix}:batch:${batchId}:checkpoints`,
});

/** Sorted set of a tenant's batch ids; ids are time-ordered, so lexical order is age order. */
export const tenantBatchesKey = (tenant: string) => `${keyPrefix}:tenant:${tenant}:batches`;

/** Sorted set of unfinished batches by `expiresAt` (ms): what the expiry sweep looks at. */
export const openBatchesKey = `${keyPrefix}:batches:open`;

/** Hash: tenant → its documents not yet finished (queued or running): the per-tenant quota. */
export const unfinishedDocumentsKey = `${keyPrefix}:tenants:unfinished`;

/**
 * Sorted set of ended batches whose final webhook event is not queued yet, by when they ended
 * (ms). The step that ends a batch adds it; queueing the event removes it.
 */
export const finalEventsKey = `${keyPrefix}:batches:final-events`;

/**
 * Lock of the sweep for stranded documents (`StrandedDocuments.sweep`): held by the replica
 * sweeping, for about one sweep interval, so the replicas take turns instead of all sweeping.
 */
export const strandedSweepLockKey = `${keyPrefix}:sweeps:stranded-documents`;

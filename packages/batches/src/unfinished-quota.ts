import { luaScript } from '@nightshift/redis';

/** How many unfinished documents a tenant may have, checked as its batch is written. */
export interface UnfinishedLimit {
  /** The most unfinished documents the tenant may have once this batch is in. */
  max: number;
  /** Documents of this batch that count against it (those that will be queued). */
  adding: number;
}

/**
 * Thrown by `BatchStore.create` when the batch would take its tenant past
 * {@link UnfinishedLimit.max}; nothing of the batch was written.
 */
export class UnfinishedQuotaError extends Error {
  override readonly name = 'UnfinishedQuotaError';

  constructor(
    readonly tenant: string,
    /** Unfinished documents the tenant had when the batch was refused. */
    readonly unfinished: number,
    readonly limit: UnfinishedLimit,
  ) {
    super(
      `tenant '${tenant}' has ${unfinished} documents unfinished; ${limit.adding} more would pass ${limit.max}`,
    );
  }
}

/**
 * Writes a new batch and counts its documents as its tenant's unfinished ones in one atomic
 * step, after checking the tenant's limit when there is one: two batches of one tenant arriving
 * together cannot both pass the quota, and a refused batch leaves nothing behind. KEYS, ARGV and
 * the answer are listed at the top of the .lua file.
 */
export const createBatchScript = luaScript(new URL('./lua/create-batch.lua', import.meta.url));

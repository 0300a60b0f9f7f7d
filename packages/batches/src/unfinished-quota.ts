import { LuaScript } from '@nightshift/core';

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
 * Check and reserve in one step, so that two batches of one tenant arriving together cannot
 * both pass the quota. KEYS: the per-tenant unfinished hash. ARGV: tenant, documents to add to
 * the count, documents that count against the limit, the limit. Returns {reserved, before}.
 */
export const reserveUnfinishedScript = new LuaScript(`
local before = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if before < 0 then before = 0 end
if before + tonumber(ARGV[3]) > tonumber(ARGV[4]) then return {0, before} end
redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
return {1, before}
`);

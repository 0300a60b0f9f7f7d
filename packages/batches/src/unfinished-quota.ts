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
 * Writes a new batch and counts its documents as its tenant's unfinished ones in one atomic
 * step, after checking the tenant's limit when there is one: two batches of one tenant arriving
 * together cannot both pass the quota, and a refused batch leaves nothing behind.
 *
 * KEYS: record, documents, tenant's batches, open batches, unfinished (tenant → count).
 * ARGV: tenant, documents to count, documents that count against the limit, the limit (-1: none),
 *       batch id, expiresAt (ms), number of record fields N, N field/value pairs, document ids.
 * Returns {written (1|0), unfinished before}.
 */
export const createBatchScript = new LuaScript(`
local tenant, count, adding, max = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local before = tonumber(redis.call('HGET', KEYS[5], tenant) or '0')
if before < 0 then before = 0 end
if max >= 0 and before + adding > max then return {0, before} end
local fields = tonumber(ARGV[7])
redis.call('HSET', KEYS[1], unpack(ARGV, 8, 7 + 2 * fields))
-- Lua's stack holds a few thousand values: the ids go in slices.
for i = 8 + 2 * fields, #ARGV, 1000 do
  redis.call('RPUSH', KEYS[2], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('ZADD', KEYS[3], 0, ARGV[5])
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[5])
redis.call('HINCRBY', KEYS[5], tenant, count)
return {1, before}
`);

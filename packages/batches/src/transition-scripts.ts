/**
 * Lua for document state changes. One script call reads the old state and moves the counts, so
 * a job that runs twice (a worker killed mid-job, a stalled job picked up again) never counts a
 * document twice, and a document in a final state never changes again.
 *
 * KEYS: record, states, results, unfinished (tenant → documents not yet final)
 * ARGV: documentId, newState, resultJson ('' for none), promptTokens, completionTokens, nowIso
 * Returns: the previous state when the change applied, or false when it was refused.
 */
export const moveDocumentScript = `
local old = redis.call('HGET', KEYS[2], ARGV[1]) or 'queued'
local new = ARGV[2]
if old == 'succeeded' or old == 'failed' or old == 'cancelled' or old == 'expired' then
  return false
end
if old == new then return old end
redis.call('HSET', KEYS[2], ARGV[1], new)
redis.call('HINCRBY', KEYS[1], old, -1)
redis.call('HINCRBY', KEYS[1], new, 1)
if new == 'succeeded' or new == 'failed' or new == 'cancelled' or new == 'expired' then
  local tenant = redis.call('HGET', KEYS[1], 'tenant')
  if tenant and redis.call('HINCRBY', KEYS[4], tenant, -1) <= 0 then redis.call('HDEL', KEYS[4], tenant) end
end
if new == 'running' and redis.call('HEXISTS', KEYS[1], 'startedAt') == 0 then
  redis.call('HSET', KEYS[1], 'startedAt', ARGV[6])
end
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'promptTokens', tonumber(ARGV[4]))
  redis.call('HINCRBY', KEYS[1], 'completionTokens', tonumber(ARGV[5]))
end
return old
`;

/**
 * Sets a batch's final status once. A batch already final keeps its status (a finalizer that runs
 * twice after a crash must not flip `cancelled` to `completed`).
 *
 * KEYS: record, openBatches
 * ARGV: status, nowIso, batchId
 * Returns: 1 when this call finalized the batch, 0 when it was final already.
 */
export const finalizeScript = `
if redis.call('HEXISTS', KEYS[1], 'finalStatus') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'finalStatus', ARGV[1], 'completedAt', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[3])
return 1
`;

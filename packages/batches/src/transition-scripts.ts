import { LuaScript } from '@nightshift/core';

/**
 * Lua for document state changes. One script call reads the old state and moves the counts, so
 * a job that runs twice (a worker killed mid-job, a stalled job picked up again) never counts a
 * document twice, and a document in a final state never changes again.
 *
 * KEYS (both scripts): record, states, results, unfinished (tenant → documents not yet final),
 * checkpoints. `move` returns the previous state when the change applied, or false.
 */
const moveFunction = `
local function isFinal(state)
  return state == 'succeeded' or state == 'failed' or state == 'cancelled' or state == 'expired'
end
local function move(id, new, resultJson, promptTokens, completionTokens, now)
  local old = redis.call('HGET', KEYS[2], id) or 'queued'
  if isFinal(old) then return false end
  if old == new then return old end
  redis.call('HSET', KEYS[2], id, new)
  redis.call('HINCRBY', KEYS[1], old, -1)
  redis.call('HINCRBY', KEYS[1], new, 1)
  if isFinal(new) then
    local tenant = redis.call('HGET', KEYS[1], 'tenant')
    if tenant and redis.call('HINCRBY', KEYS[4], tenant, -1) <= 0 then redis.call('HDEL', KEYS[4], tenant) end
    redis.call('HDEL', KEYS[5], id)
  end
  if new == 'running' and redis.call('HEXISTS', KEYS[1], 'startedAt') == 0 then
    redis.call('HSET', KEYS[1], 'startedAt', now)
  end
  if resultJson ~= '' then
    redis.call('HSET', KEYS[3], id, resultJson)
    redis.call('HINCRBY', KEYS[1], 'promptTokens', tonumber(promptTokens))
    redis.call('HINCRBY', KEYS[1], 'completionTokens', tonumber(completionTokens))
  end
  return old
end
`;

/**
 * Moves one document. A final state also drops its checkpoint.
 * ARGV: documentId, newState, resultJson ('' for none), promptTokens, completionTokens, nowIso
 */
export const moveDocumentScript = new LuaScript(`${moveFunction}
return move(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
`);

/** The Lua function start(id, now): see {@link startDocumentScript}. */
function startFunction(): string {
  return `
local function start(id, now)
  local marks = redis.call('HMGET', KEYS[1], 'cancelledAt', 'expiredAt')
  local stop = nil
  if marks[1] then stop = 'cancelled' elseif marks[2] then stop = 'expired' end
  if stop then
    local ended = cjson.encode({documentId = id, status = stop, model = cjson.null,
      usage = {promptTokens = 0, completionTokens = 0}})
    move(id, stop, ended, 0, 0, now)
    return {'stop', stop}
  end
  if not move(id, 'running', '', 0, 0, now) then return {'duplicate', ''} end
  return {'run', redis.call('HGET', KEYS[5], id) or ''}
end
`;
}

/**
 * Starts a document on a worker in one round trip: a cancelled or expired batch's document ends
 * in that state; a document already final is a duplicate run; otherwise it moves to `running`
 * and its checkpoint (if any) comes back.
 * ARGV: documentId, nowIso
 * Returns {'stop', state} | {'duplicate', ''} | {'run', checkpointJson or ''}.
 */
export const startDocumentScript = new LuaScript(`${moveFunction}${startFunction()}
return start(ARGV[1], ARGV[2])
`);

/**
 * Moves one document to a final state and starts the next document of the same job, in one
 * round trip (documents that travel together in a cold job run back to back).
 * ARGV: documentId, newState, resultJson, promptTokens, completionTokens, nowIso,
 *       nextDocumentId
 * Returns {moved (1|0), then what {@link startDocumentScript} returns for the next document}.
 */
export const moveThenStartScript = new LuaScript(`${moveFunction}${startFunction()}
local moved = move(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]) and 1 or 0
local started = start(ARGV[7], ARGV[6])
return {moved, started[1], started[2]}
`);

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

import { LuaScript } from '@nightshift/core';

/**
 * Lua for document state changes. One script call reads the old state and moves the counts, so
 * a job that runs twice (a worker killed mid-job, a stalled job picked up again) never counts a
 * document twice, and a document in a final state never changes again.
 *
 * The step that makes a batch's last document final also makes the batch final (status, counts,
 * `completedAt`, retention clock) and, when the batch has a webhook, notes its final event as
 * pending: whoever runs the step, with or without a notifier, the batch ends right there, once.
 *
 * KEYS (every script): record, states, results, unfinished (tenant → documents not yet final),
 * checkpoints, documents, openBatches, finalEvents (batch id → when it ended, ms).
 * `move` returns the previous state when the change applied, or false.
 */
const moveFunction = `
local finished = 0
local function isFinal(state)
  return state == 'succeeded' or state == 'failed' or state == 'cancelled' or state == 'expired'
end
local function finishIfDone(now, ttl)
  local f = redis.call('HMGET', KEYS[1], 'id', 'total', 'succeeded', 'failed', 'cancelled',
    'expired', 'finalStatus', 'cancelledAt', 'expiredAt', 'webhook')
  if not f[1] or f[7] then return 0 end
  local total = tonumber(f[2]) or 0
  local failed = tonumber(f[4]) or 0
  local expired = tonumber(f[6]) or 0
  if (tonumber(f[3]) or 0) + failed + (tonumber(f[5]) or 0) + expired < total then return 0 end
  local status = 'completed'
  if f[8] then status = 'cancelled'
  elseif expired > 0 or f[9] then status = 'expired'
  elseif total > 0 and failed == total then status = 'failed'
  elseif failed > 0 then status = 'completed_with_errors' end
  redis.call('HSET', KEYS[1], 'finalStatus', status, 'completedAt', now)
  redis.call('ZREM', KEYS[7], f[1])
  for _, key in ipairs({KEYS[1], KEYS[2], KEYS[3], KEYS[5], KEYS[6]}) do
    redis.call('EXPIRE', key, ttl)
  end
  if f[10] and f[10] ~= 'null' then
    local time = redis.call('TIME')
    redis.call('ZADD', KEYS[8], tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000), f[1])
  end
  finished = 1
  return 1
end
local function move(id, new, resultJson, promptTokens, completionTokens, now, ttl)
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
  if isFinal(new) then finishIfDone(now, ttl) end
  return old
end
`;

/**
 * Moves one document. A final state also drops its checkpoint, and the last one ends the batch.
 * ARGV: documentId, newState, resultJson ('' for none), promptTokens, completionTokens, nowIso,
 *       resultTtlSeconds
 * Returns {moved (1|0), batchFinished (1|0)}.
 */
export const moveDocumentScript = new LuaScript(`${moveFunction}
local moved = move(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]) and 1 or 0
return {moved, finished}
`);

/** The Lua function start(id, now, ttl): see {@link startDocumentScript}. */
function startFunction(): string {
  return `
local function start(id, now, ttl)
  local marks = redis.call('HMGET', KEYS[1], 'cancelledAt', 'expiredAt')
  local stop = nil
  if marks[1] then stop = 'cancelled' elseif marks[2] then stop = 'expired' end
  if stop then
    local ended = cjson.encode({documentId = id, status = stop, model = cjson.null,
      usage = {promptTokens = 0, completionTokens = 0}})
    move(id, stop, ended, 0, 0, now, ttl)
    return {'stop', stop}
  end
  if not move(id, 'running', '', 0, 0, now, ttl) then return {'duplicate', ''} end
  return {'run', redis.call('HGET', KEYS[5], id) or ''}
end
`;
}

/**
 * Starts a document on a worker in one round trip: a cancelled or expired batch's document ends
 * in that state (possibly ending the batch); a document already final is a duplicate run;
 * otherwise it moves to `running` and its checkpoint (if any) comes back.
 * ARGV: documentId, nowIso, resultTtlSeconds
 * Returns {'stop', state} | {'duplicate', ''} | {'run', checkpointJson or ''}, then
 * batchFinished (1|0).
 */
export const startDocumentScript = new LuaScript(`${moveFunction}${startFunction()}
local started = start(ARGV[1], ARGV[2], ARGV[3])
return {started[1], started[2], finished}
`);

/**
 * Moves one document to a final state and starts the next document of the same job, in one
 * round trip (documents that travel together in a cold job run back to back).
 * ARGV: documentId, newState, resultJson, promptTokens, completionTokens, nowIso,
 *       nextDocumentId, resultTtlSeconds
 * Returns {moved (1|0), then what {@link startDocumentScript} returns for the next document,
 * batchFinished (1|0) last}.
 */
export const moveThenStartScript = new LuaScript(`${moveFunction}${startFunction()}
local moved = move(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[8]) and 1 or 0
local started = start(ARGV[7], ARGV[6], ARGV[8])
return {moved, started[1], started[2], finished}
`);

/**
 * Ends a batch whose documents are all final but that is not final yet (a batch recorded by a
 * version that left this to a separate finalizer); a no-op otherwise, so safe to run any time.
 * ARGV: nowIso, resultTtlSeconds
 * Returns {batchFinished (1|0), finalEventPending (1|0)}.
 */
export const finishBatchScript = new LuaScript(`${moveFunction}
finishIfDone(ARGV[1], ARGV[2])
local id = redis.call('HGET', KEYS[1], 'id')
local pending = id and redis.call('ZSCORE', KEYS[8], id) and 1 or 0
return {finished, pending}
`);

/**
 * Marks a batch cancelled or expired (`cancelledAt` / `expiredAt`), unless it is final already:
 * a batch that ended meanwhile keeps its status and gets no stop mark.
 * KEYS: record. ARGV: field, nowIso. Returns 1 when the mark is set (now or before), else 0.
 */
export const markStopScript = new LuaScript(`
if redis.call('HEXISTS', KEYS[1], 'finalStatus') == 1 then
  return redis.call('HEXISTS', KEYS[1], ARGV[1])
end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
return 1
`);

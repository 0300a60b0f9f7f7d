-- Document state changes: move(id, new, resultJson, promptTokens, completionTokens, now, ttl)
-- reads the old state and moves the counts, so a job that runs twice never counts a document
-- twice and a final document never changes again; the move that makes a batch's last document
-- final also ends the batch (finishIfDone: status, completedAt, retention, pending final event).
-- KEYS: record, states, results, unfinished (tenant → documents not yet final), checkpoints,
-- documents, openBatches, finalEvents (batch id → when it ended, ms).
-- `move` returns the previous state when the change applied, or false; `finished` is 1 once
-- this call ended the batch.
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

-- Reserves the next turns of a tenant on a lane (start-time fair queuing on BullMQ priorities).
-- KEYS[1]: clock hash (virtual, issued, reservedAt, model:<name>, models). KEYS[2]: finish hash
-- (tenant → finish tag). KEYS[3..7]: the queue's wait, paused, prioritized, active, delayed.
-- ARGV[1]: tenant. ARGV[2]: count. ARGV[3]: maxTag. ARGV[4]: rebaseAbove. ARGV[5]: rebaseGraceMs.
-- ARGV[6]: model. ARGV[7]: model groups S. ARGV[8]: round length Q.
-- Returns {start tag, model group}: the batch's documents get tags start + 1, start + 2, …
-- (clamped), mapped to priorities in the model's group.
--- @include "shared/tag-of-priority"
-- BullMQ scores a prioritized job priority * 2^32 + insertion counter.
local priorityScoreUnit = 4294967296
local S, Q = tonumber(ARGV[7]), tonumber(ARGV[8])
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local count, maxTag = tonumber(ARGV[2]), tonumber(ARGV[3])
local issued = tonumber(redis.call('HGET', KEYS[1], 'issued') or '0')
local head = redis.call('ZRANGE', KEYS[5], 0, 0, 'WITHSCORES')
if issued >= tonumber(ARGV[4]) and #head == 0
  and redis.call('LLEN', KEYS[3]) == 0 and redis.call('LLEN', KEYS[4]) == 0
  and redis.call('LLEN', KEYS[6]) == 0 and redis.call('ZCARD', KEYS[7]) == 0 then
  local at = tonumber(redis.call('HGET', KEYS[1], 'reservedAt') or '0')
  if nowMs - at >= tonumber(ARGV[5]) then
    redis.call('DEL', KEYS[1], KEYS[2])
    issued = 0
  end
end
local v = tonumber(redis.call('HGET', KEYS[1], 'virtual') or '0')
if #head > 0 then
  local headTag = tagOf(math.floor(tonumber(head[2]) / priorityScoreUnit), S, Q)
  if headTag - 1 > v then v = headTag - 1 end
end
if v > issued then v = issued end
local start = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if v > start then start = v end
if start > maxTag - 1 then start = maxTag - 1 end
local last = start + count
if last > maxTag then last = maxTag end
if last > issued then issued = last end
redis.call('HSET', KEYS[2], ARGV[1], last)
redis.call('HSET', KEYS[1], 'virtual', v, 'issued', issued, 'reservedAt', nowMs)
local group = 0
if S > 1 then
  local field = 'model:' .. ARGV[6]
  local known = redis.call('HGET', KEYS[1], field)
  if known then group = tonumber(known) else
    group = (redis.call('HINCRBY', KEYS[1], 'models', 1) - 1) % S
    redis.call('HSET', KEYS[1], field, group)
  end
end
return {start, group}

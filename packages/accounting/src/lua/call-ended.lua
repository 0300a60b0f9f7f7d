-- Ends a model call: its share of the server's busy time by the sweep over every call of the
-- server that overlaps it, charged to its batch, document and hour with its energy when the
-- server's counter samples already cover its end (else it waits in `pending` for the sampler).
-- KEYS: calls, starts, running, energy, pending, batch, documents, hour, ends, alive, swept.
-- ARGV: id, server, endAt ('' = now; a stale call is closed at its bound), hourTtlS,
--       totalsTtlS, maxCallMs, energyFreshMs, pendingForceMs, staleMs, seenAt ('' = now; when
--       the caller saw the end, on the Redis clock: not before the swept time, not after now).
-- Returns nil (unknown or already ended) or {gpuSeconds, joules ('' unknown), energy state
-- ('known'|'pending'|'none'), stale running calls (no sign of life for staleMs, or past
-- maxCallMs), overdue pending calls}.
--- @include "shared/clock"
--- @include "shared/sweep"
--- @include "shared/energy"
--- @include "shared/charge"
local id, server = ARGV[1], ARGV[2]
local raw = redis.call('HGET', KEYS[1], id)
if not raw then return nil end
local rec = cjson.decode(raw)
if rec.e then return nil end
local now = nowMs()
local s = tonumber(rec.s)
local e = now
local swept = tonumber(redis.call('GET', KEYS[11]) or '0')
if ARGV[3] ~= '' then
  e = math.min(now, tonumber(ARGV[3]))
elseif ARGV[10] ~= '' then
  -- Earlier than a charged sweep, the calls that sweep counted as running with this one would
  -- lose the share it left them.
  e = math.max(math.min(now, tonumber(ARGV[10])), swept)
end
if e < s then e = s end
local maxCallMs = tonumber(ARGV[6])
if e > swept then redis.call('SET', KEYS[11], fmt(e), 'PX', maxCallMs) end

local silentBefore = now - tonumber(ARGV[9])
local calls = overlapping(KEYS[2], KEYS[9], KEYS[10], silentBefore, id, s, e)
local pieces, shareMs = sweep(calls, id, s, e, tonumber(rec.k) or 0)
rec.e = fmt(e)
redis.call('ZREM', KEYS[3], id)
redis.call('ZREM', KEYS[10], id)
redis.call('ZADD', KEYS[9], fmt(e), id)
local gpuS = shareMs / 1000

local lastAt = lastSampleAt(KEYS[4])
local joules, state = nil, 'none'
if lastAt and lastAt >= now - tonumber(ARGV[7]) then
  if lastAt >= e then
    joules = piecesEnergyJ(KEYS[4], pieces)
    state = 'known'
  else
    state = 'pending'
    local stored = {}
    for _, p in ipairs(pieces) do stored[#stored + 1] = { fmt(p[1]), fmt(p[2]), p[3] } end
    rec.p = stored
    redis.call('ZADD', KEYS[5], fmt(e), id)
  end
end
charge(KEYS[6], KEYS[7], KEYS[8], rec, server, gpuS, joules, state == 'none', ARGV[4], ARGV[5])
redis.call('HSET', KEYS[1], id, cjson.encode(rec))

-- Bounded: drop ended calls that no running call, future call or energy sample can still
-- overlap, and anything older than the longest allowed call.
local cutoff = now
local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
if first[2] then cutoff = math.min(cutoff, tonumber(first[2])) end
if lastAt then cutoff = math.min(cutoff, lastAt) end
cutoff = math.max(cutoff, now - maxCallMs)
local old = redis.call('ZRANGEBYSCORE', KEYS[9], '-inf', '(' .. fmt(cutoff), 'LIMIT', 0, 256)
for _, oid in ipairs(old) do
  if not redis.call('ZSCORE', KEYS[5], oid) then
    redis.call('HDEL', KEYS[1], oid)
    redis.call('ZREM', KEYS[2], oid)
    redis.call('ZREM', KEYS[9], oid)
  end
end

local stale = redis.call('ZCOUNT', KEYS[10], '-inf', '(' .. fmt(now - tonumber(ARGV[9])))
  + redis.call('ZCOUNT', KEYS[3], '-inf', '(' .. fmt(now - maxCallMs))
local overdue = redis.call('ZCOUNT', KEYS[5], '-inf', '(' .. fmt(now - tonumber(ARGV[8])))
return { string.format('%.6f', gpuS), joules and string.format('%.6f', joules) or '', state, stale, overdue }

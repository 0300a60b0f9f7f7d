-- Appends one energy counter sample at the server's clock and books the energy the server
-- spent idle since the previous sample (the part of that interval no call covered), an
-- amount never charged to a call.
-- KEYS: energy (zset 't:mJ:raw' by t), ends (zset of ended calls by end), starts, hour, swept
--       (the latest time a sweep charged up to).
-- ARGV: counter (mJ, cumulative), server, keepMs, maxSamples, hourTtlS, seenAt ('' = now; when
--       the counter was read, on the Redis clock: not before the swept time, not after now).
-- Returns {t, idle joules, joules since the previous sample}, or nil when the previous sample
-- is not older than the sample's time.
--- @include "shared/clock"
--- @include "shared/energy"
local redisNow = nowMs()
local swept = tonumber(redis.call('GET', KEYS[5]) or '0')
local now = redisNow
if ARGV[6] ~= '' then now = math.max(math.min(redisNow, tonumber(ARGV[6])), swept) end
local counter = tonumber(ARGV[1])
local server = ARGV[2]
local last = redis.call('ZREVRANGE', KEYS[1], 0, 0)
local lt, lc, lraw = nil, nil, nil
if last[1] then lt, lc, lraw = sample(last[1]) end
if lt and now <= lt then return nil end
-- The stored counter only rises: a source read lower than before (a driver reload, or another
-- replica's sampler taking over with its own integrated counter) adds nothing for that interval.
local stored = counter
if lc then stored = lc + math.max(0, counter - lraw) end
redis.call('ZADD', KEYS[1], fmt(now),
  fmt(now) .. ':' .. string.format('%.3f', stored) .. ':' .. string.format('%.3f', counter))

local idleJ, spentJ = 0, 0
if lt then
  local dt = now - lt
  local de = stored - lc
  -- The union of the calls' intervals within [lt, now]: running calls run up to now.
  local found = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. fmt(now), 'WITHSCORES')
  local ids, starts = {}, {}
  for i = 1, #found, 2 do
    ids[#ids + 1] = found[i]
    starts[#starts + 1] = tonumber(found[i + 1])
  end
  local spans = {}
  if #ids > 0 then
    local ends = zmscoreAll(KEYS[2], ids)
    for i = 1, #ids do
      local a = math.max(lt, starts[i])
      local b = math.min(now, ends[i] and tonumber(ends[i]) or now)
      if b > a then spans[#spans + 1] = { a, b } end
    end
  end
  table.sort(spans, function(x, y) return x[1] < y[1] end)
  local busy, curA, curB = 0, nil, nil
  for _, sp in ipairs(spans) do
    if curB and sp[1] <= curB then
      if sp[2] > curB then curB = sp[2] end
    else
      if curB then busy = busy + (curB - curA) end
      curA, curB = sp[1], sp[2]
    end
  end
  if curB then busy = busy + (curB - curA) end
  spentJ = de / 1000
  idleJ = spentJ * math.max(0, dt - busy) / dt
  -- The idle share just booked is a sweep of [lt, now]: a call start or end seen before it but
  -- written after it is moved up to it (as after a call's sweep), else its energy would be
  -- booked twice (idle here, and the call's later) or not at all.
  if now > swept then redis.call('SET', KEYS[5], fmt(now), 'PX', ARGV[3]) end
  redis.call('HINCRBYFLOAT', KEYS[4], 'i|' .. server, string.format('%.6f', idleJ))
  redis.call('HINCRBYFLOAT', KEYS[4], 'e|' .. server, string.format('%.6f', spentJ))
  redis.call('EXPIRE', KEYS[4], ARGV[5])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. fmt(redisNow - tonumber(ARGV[3])))
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[4]) + 1))
return { fmt(now), string.format('%.6f', idleJ), string.format('%.6f', spentJ) }

-- Marks calls of a server still running now (the Redis clock): their process lives.
-- KEYS: alive (zset by the last sign of life). ARGV: the call ids.
-- Only calls still there are marked (XX): one ended meanwhile stays ended.
--- @include "shared/clock"
local now = fmt(nowMs())
for i = 1, #ARGV, 500 do
  local args = {}
  for j = i, math.min(i + 499, #ARGV) do
    args[#args + 1] = now
    args[#args + 1] = ARGV[j]
  end
  redis.call('ZADD', KEYS[1], 'XX', unpack(args))
end
return #ARGV

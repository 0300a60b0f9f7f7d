-- Keeps Redis busy for ARGV[1] ms, as a slow fsync or a long script elsewhere would: every
-- command sent meanwhile waits.
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local untilMs = nowMs() + tonumber(ARGV[1])
while nowMs() < untilMs do end
return 1

-- Renews the place of a cold call still running, unless it already lapsed (then it stays gone:
-- its place may have been taken since, and a renewal must never push a server past its places).
-- KEYS[1]: cold places (sorted set: `<server>|<id>` → expiry, ms). ARGV: member, nowMs, expiresAtMs.
-- Returns 1 when renewed, 0 when the place had lapsed.
local expiry = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
if expiry ~= nil and expiry > tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  return 1
end
return 0

-- Counts the interactive calls in flight on the given model servers: the live leases (expiry
-- after `nowMs`) whose member names one of them (`<server>|<id>`), and those that name no
-- server (they count for every server).
-- KEYS[1]: leases (sorted set: member → expiry, ms). ARGV: nowMs, server, server, ….
-- Returns the count.
local wanted = {}
for i = 2, #ARGV do
  wanted[ARGV[i]] = true
end
local count = 0
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')) do
  local bar = string.find(member, '|', 1, true)
  if bar == nil or wanted[string.sub(member, 1, bar - 1)] then
    count = count + 1
  end
end
return count

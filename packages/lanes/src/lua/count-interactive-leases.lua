-- Counts the interactive calls in flight on the given model servers: the live leases (expiry
-- after `nowMs`) whose member names one of them (`<server>|<id>`), and those that name no
-- server (they count for every server).
-- KEYS[1]: leases (sorted set: member → expiry, ms). ARGV: nowMs, server, server, ….
-- Returns the count.
--- @include "shared/count-server-leases"
local wanted = {}
for i = 2, #ARGV do
  wanted[ARGV[i]] = true
end
return countServerLeases(KEYS[1], ARGV[1], wanted, true)

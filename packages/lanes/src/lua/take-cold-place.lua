-- Takes one cold call's place on a model server for the worker that asks, if the server has
-- one free across every worker: places − cold calls of all workers (− chats, where the
-- server gives each chat one of its slots) > 0. Taking and counting are one step, so two
-- workers can never both take the server's last place. Drops the expired places first (those
-- of a dead worker), so the set stays as small as the cold calls in flight without a sweeper.
-- KEYS[1]: cold places (sorted set: `<server>|<id>` → expiry, ms).
-- KEYS[2]: interactive leases (sorted set: `<server>|<id>` or `<id>` → expiry, ms).
-- ARGV: nowMs, expiresAtMs, server, placeId, places, countChats (1: chats take places too).
-- Returns {taken (1/0), cold calls on the server after the step, chats counted}.
--- @include "shared/count-server-leases"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local wanted = { [ARGV[3]] = true }
local cold = countServerLeases(KEYS[1], ARGV[1], wanted, false)
local chats = 0
if ARGV[6] == '1' then
  chats = countServerLeases(KEYS[2], ARGV[1], wanted, true)
end
if tonumber(ARGV[5]) - chats - cold > 0 then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3] .. '|' .. ARGV[4])
  return { 1, cold + 1, chats }
end
return { 0, cold, chats }

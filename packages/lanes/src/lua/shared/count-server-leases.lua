-- Included by the lease scripts: the Lua function countServerLeases(key, nowMs, wanted, nameless)
-- counts the live leases (expiry after `nowMs`) of the sorted set `key` whose member names a
-- server of the set `wanted` (`<server>|<id>`); with `nameless`, also those that name no server
-- (an interactive call on no server in particular counts for every server).
local function countServerLeases(key, nowMs, wanted, nameless)
  local count = 0
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', key, '(' .. nowMs, '+inf')) do
    local bar = string.find(member, '|', 1, true)
    if bar == nil then
      if nameless then
        count = count + 1
      end
    elseif wanted[string.sub(member, 1, bar - 1)] then
      count = count + 1
    end
  end
  return count
end

-- The models that served an interactive call at or after `sinceMs`; forgets those last used
-- before `forgetBeforeMs` (and entries that are not a time), so the hash keeps only models
-- still worth asking about.
-- KEYS[1]: models (hash: model → last use, ms). ARGV: sinceMs, forgetBeforeMs.
-- Returns the recent models' names.
local since = tonumber(ARGV[1])
local forgetBefore = tonumber(ARGV[2])
local entries = redis.call('HGETALL', KEYS[1])
local recent = {}
for i = 1, #entries, 2 do
  local usedAt = tonumber(entries[i + 1])
  if usedAt ~= nil and usedAt >= since then
    table.insert(recent, entries[i])
  elseif usedAt == nil or usedAt < forgetBefore then
    redis.call('HDEL', KEYS[1], entries[i])
  end
end
return recent

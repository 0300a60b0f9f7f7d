-- Included by the interactive-traffic scripts: the Lua function stampModel(key, model, nowMs)
-- records in the hash `key` that `model` served a call at `nowMs`. The time never moves back:
-- API replicas' clocks differ a little, and the latest use is what keeps a model warm.
local function stampModel(key, model, nowMs)
  local last = tonumber(redis.call('HGET', key, model))
  if last == nil or last < tonumber(nowMs) then
    redis.call('HSET', key, model, nowMs)
  end
end

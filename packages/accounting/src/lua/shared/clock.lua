-- Times are epoch ms with µs decimals, written as '%.3f' strings: Lua's own number-to-string
-- (and cjson's) keep 14 digits, which would round an epoch in ms to 0.1 ms.
local function fmt(x)
  return string.format('%.3f', x)
end

-- The server's clock: Redis TIME, the one clock every replica shares.
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end

-- ZMSCORE of many members, in chunks; nil (false) for a member not in the set.
local function zmscoreAll(key, members)
  local out = {}
  for i = 1, #members, 500 do
    local chunk = {}
    for j = i, math.min(i + 499, #members) do chunk[#chunk + 1] = members[j] end
    local values = redis.call('ZMSCORE', key, unpack(chunk))
    for k = 1, #chunk do out[#out + 1] = values[k] end
  end
  return out
end

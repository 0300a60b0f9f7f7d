-- Energy counter samples: members 't:mJ:raw' scored by t (ms, the Redis clock): mJ the
-- stored counter (monotone), raw what the source read.
local function sample(member)
  local t, mj, raw = string.match(member, '^([^:]+):([^:]+):?(.*)$')
  return tonumber(t), tonumber(mj), tonumber(raw) or tonumber(mj)
end

-- The counter at t (mJ): linear between the samples around t; past the last sample (or
-- before the first) extrapolated at the power of the two nearest samples. nil without samples.
local function counterAt(energyKey, t)
  local before = redis.call('ZREVRANGEBYSCORE', energyKey, fmt(t), '-inf', 'LIMIT', 0, 2)
  local after = redis.call('ZRANGEBYSCORE', energyKey, '(' .. fmt(t), '+inf', 'LIMIT', 0, 2)
  if before[1] and after[1] then
    local t0, c0 = sample(before[1])
    local t1, c1 = sample(after[1])
    return c0 + (c1 - c0) * (t - t0) / (t1 - t0)
  end
  if before[1] then
    local t1, c1 = sample(before[1])
    if not before[2] then return c1 end
    local t0, c0 = sample(before[2])
    return c1 + (c1 - c0) / (t1 - t0) * (t - t1)
  end
  if after[1] then
    local t0, c0 = sample(after[1])
    if not after[2] then return c0 end
    local t1, c1 = sample(after[2])
    return c0 - (c1 - c0) / (t1 - t0) * (t0 - t)
  end
  return nil
end

-- Joules of a call's pieces {a, b, running}: each piece's energy split among its running calls.
local function piecesEnergyJ(energyKey, pieces)
  local mj = 0
  for _, p in ipairs(pieces) do
    local a, b, n = tonumber(p[1]), tonumber(p[2]), tonumber(p[3])
    local ca, cb = counterAt(energyKey, a), counterAt(energyKey, b)
    if ca == nil or cb == nil then return nil end
    mj = mj + (cb - ca) / n
  end
  return mj / 1000
end

-- The last sample's time, or nil.
local function lastSampleAt(energyKey)
  local last = redis.call('ZREVRANGE', energyKey, 0, 0, 'WITHSCORES')
  if last[2] then return tonumber(last[2]) end
  return nil
end

-- Charges the energy of an ended call that waited for the counter samples to cover its end.
-- KEYS: calls, pending, energy, batch, documents, hour.
-- ARGV: id, server, force ('1': extrapolate past the last sample, the sampler is gone),
--       hourTtlS, totalsTtlS.
-- Returns the joules charged, or nil (not pending, or not yet covered).
--- @include "shared/clock"
--- @include "shared/energy"
--- @include "shared/charge"
local id = ARGV[1]
if not redis.call('ZSCORE', KEYS[2], id) then return nil end
local raw = redis.call('HGET', KEYS[1], id)
if not raw then
  redis.call('ZREM', KEYS[2], id)
  return nil
end
local rec = cjson.decode(raw)
local lastAt = lastSampleAt(KEYS[3])
if ARGV[3] ~= '1' and (not lastAt or lastAt < tonumber(rec.e)) then return nil end
local joules = piecesEnergyJ(KEYS[3], rec.p or {})
redis.call('ZREM', KEYS[2], id)
rec.p = nil
redis.call('HSET', KEYS[1], id, cjson.encode(rec))
charge(KEYS[4], KEYS[5], KEYS[6], rec, ARGV[2], nil, joules, joules == nil, ARGV[4], ARGV[5])
if joules then return string.format('%.6f', joules) end
return nil

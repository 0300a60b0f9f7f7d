-- Registers a model call on its server, on the Redis clock (the caller's reading of it when it
-- saw the start, else TIME now).
-- KEYS: calls (hash id → record), starts (zset by start), running (zset by start), alive
--       (zset by the last sign of life), swept (the latest time a sweep charged up to).
-- ARGV: id, tenant, lane, model, batchId ('' none), documentId ('' none), slots (0: continuous),
--       at ('' = now; earlier times only, to replay or test), seenAt ('' = now; when the
--       caller saw the start, on the Redis clock: not before the swept time, not after now).
-- Returns the start, epoch ms.
--- @include "shared/clock"
local seen = nowMs()
local now = seen
if ARGV[8] ~= '' then
  now = math.min(now, tonumber(ARGV[8]))
elseif ARGV[9] ~= '' then
  now = math.max(math.min(now, tonumber(ARGV[9])), tonumber(redis.call('GET', KEYS[5]) or '0'))
end
local rec = { s = fmt(now), t = ARGV[2], l = ARGV[3], m = ARGV[4], k = ARGV[7] }
if ARGV[5] ~= '' then rec.b = ARGV[5] end
if ARGV[6] ~= '' then rec.d = ARGV[6] end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(rec))
redis.call('ZADD', KEYS[2], fmt(now), ARGV[1])
redis.call('ZADD', KEYS[3], fmt(now), ARGV[1])
-- Alive as of now, whatever start it replays.
redis.call('ZADD', KEYS[4], fmt(seen), ARGV[1])
return rec.s

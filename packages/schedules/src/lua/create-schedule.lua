-- Stores a new schedule after counting the tenant's, in one step, so two creates racing for the
-- last slot cannot both pass.
-- KEYS[1]: the schedule's record. KEYS[2]: the tenant's schedule ids (zset). KEYS[3]: all ids (set).
-- ARGV[1]: most schedules per tenant (-1: no limit). ARGV[2]: schedule id. ARGV[3]: record JSON.
-- Returns 1 when written, 0 when the tenant is at its limit (nothing written).
local max = tonumber(ARGV[1])
if max >= 0 and redis.call('ZCARD', KEYS[2]) >= max then return 0 end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], 0, ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
return 1

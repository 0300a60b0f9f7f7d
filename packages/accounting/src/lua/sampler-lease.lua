-- Takes or renews the lease on sampling one server's energy counter.
-- KEYS: lease. ARGV: holder, ttlMs. Returns 1 when the holder has the lease.
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1

-- Takes the price planning lease, or renews it when ARGV[1] already holds it.
-- KEYS[1] the lease; ARGV[1] the holder; ARGV[2] its lifetime in ms.
-- Returns 1 when ARGV[1] holds the lease now, 0 when another replica does.
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0

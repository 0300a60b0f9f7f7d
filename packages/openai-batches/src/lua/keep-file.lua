-- A schedule keeps a file: no expiry while any schedule names it. The end a batch asked for
-- meanwhile (`retainUntil`) is remembered for when the last schedule lets go.
-- KEYS[1]: the file's record. KEYS[2]: its holders (a set). KEYS[3]: the owner's ledger ends.
-- KEYS[4..]: the chunks. ARGV[1]: the holder (a schedule id). ARGV[2]: the file's member.
-- Returns 1, or 0 when there is no such file.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local expiresAt = redis.call('HGET', KEYS[1], 'expiresAt')
if expiresAt and expiresAt ~= '' then
  local retain = tonumber(redis.call('HGET', KEYS[1], 'retainUntil') or '0')
  if tonumber(expiresAt) > retain then redis.call('HSET', KEYS[1], 'retainUntil', expiresAt) end
end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], 'expiresAt', '')
redis.call('PERSIST', KEYS[1])
for i = 4, #KEYS do redis.call('PERSIST', KEYS[i]) end
redis.call('ZADD', KEYS[3], '+inf', ARGV[2])
return 1

-- A schedule lets go of a file. When no holder is left, the file expires again: its normal
-- life from now, or later if a batch still reads it (`retainUntil`).
-- KEYS[1]: the file's record. KEYS[2]: its holders. KEYS[3]: the owner's ledger ends.
-- KEYS[4..]: the chunks. ARGV[1]: the holder. ARGV[2]: the file's member. ARGV[3]: now (ms).
-- ARGV[4]: the file's normal life (ms).
-- Returns 2 when the file got its expiry back, 1 when it stays as it was, 0 when it is gone.
redis.call('SREM', KEYS[2], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2])
  return 0
end
if redis.call('SCARD', KEYS[2]) > 0 then return 1 end
local expiresAt = redis.call('HGET', KEYS[1], 'expiresAt')
if expiresAt and expiresAt ~= '' then return 1 end
local ends = tonumber(ARGV[3]) + tonumber(ARGV[4])
local retain = tonumber(redis.call('HGET', KEYS[1], 'retainUntil') or '0')
if retain > ends then ends = retain end
redis.call('HSET', KEYS[1], 'expiresAt', ends)
redis.call('HDEL', KEYS[1], 'retainUntil')
redis.call('PEXPIREAT', KEYS[1], ends)
for i = 4, #KEYS do redis.call('PEXPIREAT', KEYS[i], ends) end
redis.call('ZADD', KEYS[3], ends, ARGV[2])
return 2

-- Keeps a file at least until a time (a batch reads its lines until it ends). Never shortens a
-- life; a kept file only remembers the time, for when its last schedule lets go.
-- KEYS[1]: the file's record. KEYS[2]: the owner's ledger ends. KEYS[3..]: the chunks.
-- ARGV[1]: until (epoch ms). ARGV[2]: the file's member.
-- Returns 1, or 0 when there is no such file.
local expiresAt = redis.call('HGET', KEYS[1], 'expiresAt')
if not expiresAt then return 0 end
local untilMs = tonumber(ARGV[1])
if expiresAt == '' then
  local retain = tonumber(redis.call('HGET', KEYS[1], 'retainUntil') or '0')
  if untilMs > retain then redis.call('HSET', KEYS[1], 'retainUntil', ARGV[1]) end
  return 1
end
if tonumber(expiresAt) >= untilMs then return 1 end
redis.call('HSET', KEYS[1], 'expiresAt', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], untilMs)
for i = 3, #KEYS do redis.call('PEXPIREAT', KEYS[i], untilMs) end
redis.call('ZADD', KEYS[2], untilMs, ARGV[2])
return 1

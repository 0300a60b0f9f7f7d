-- Makes a finished upload a file, in one step: its record appears, its chunks and record take
-- the file's expiry (until now they lapsed within seconds unless the uploading API renewed
-- them), and its reservation in the ledger becomes the stored file's entry.
-- KEYS[1]: ledger. KEYS[2]: ends. KEYS[3]: the file's record. KEYS[4]: the tenant's file list.
-- KEYS[5..]: the chunks.
-- ARGV[1]: file id. ARGV[2]: bytes. ARGV[3]: the file's end (epoch ms). ARGV[4]: the upload's
-- member (`u:<id>`). ARGV[5]: the file's member (`f:<id>`). ARGV[6..]: record field, value, ...
-- Returns 1, or 0 when a chunk has lapsed already (nothing is committed then).
for i = 5, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then return 0 end
end
local size = tonumber(ARGV[2])
local reserved = redis.call('HGET', KEYS[1], ARGV[4])
if reserved then
  redis.call('HDEL', KEYS[1], ARGV[4])
  redis.call('HINCRBY', KEYS[1], 'bytes', size - tonumber(reserved))
else
  redis.call('HINCRBY', KEYS[1], 'bytes', size)
  redis.call('HINCRBY', KEYS[1], 'files', 1)
end
redis.call('ZREM', KEYS[2], ARGV[4])
redis.call('HSET', KEYS[1], ARGV[5], size)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5])
redis.call('HSET', KEYS[3], unpack(ARGV, 6))
for i = 3, #KEYS do
  if i ~= 4 then redis.call('PEXPIREAT', KEYS[i], ARGV[3]) end
end
redis.call('ZADD', KEYS[4], 0, ARGV[1])
return 1

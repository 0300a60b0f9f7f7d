-- Hands a file back after a fire made no batch: puts back what claim-file.lua replaced, unless
-- a later fire has taken the file since.
-- KEYS[1]: the schedule's taken files (hash: path → fingerprint).
-- ARGV[1]: path. ARGV[2]: fingerprint this fire took. ARGV[3]: previous fingerprint ('' for none).
-- Returns 1.
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  if ARGV[3] == '' then
    redis.call('HDEL', KEYS[1], ARGV[1])
  else
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  end
end
return 1

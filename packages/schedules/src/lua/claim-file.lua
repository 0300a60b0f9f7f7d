-- Takes a file version for a schedule unless that schedule already took exactly it. Atomic, so
-- two overlapping fires never take one file twice.
-- KEYS[1]: the schedule's taken files (hash: path → fingerprint).
-- ARGV[1]: path. ARGV[2]: fingerprint of the file version.
-- Returns {1, previous fingerprint or false} when taken (the previous value lets a failed fire
-- put it back), {0, false} when this version was taken already.
local previous = redis.call('HGET', KEYS[1], ARGV[1])
if previous == ARGV[2] then return {0, false} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {1, previous}

-- Reserves room for the next bytes of an upload in the tenant's storage quota, in one step: two
-- uploads racing can never both pass the quota. The upload's first call counts its file.
-- KEYS[1]: ledger. KEYS[2]: ends.
-- ARGV[1]: the upload's member (`u:<id>`). ARGV[2]: bytes to add. ARGV[3]: most bytes (-1: no
-- limit). ARGV[4]: most files (-1: no limit). ARGV[5]: now (ms). ARGV[6]: when the reservation
-- lapses unless renewed (ms).
-- Returns 0 when reserved, 1 when the bytes would pass the quota, 2 when the file count would.
--- @include "storage-ledger"
pruneStorage(KEYS[1], KEYS[2], ARGV[5])
local member = ARGV[1]
local add = tonumber(ARGV[2])
local isNew = redis.call('HEXISTS', KEYS[1], member) == 0
local bytes = tonumber(redis.call('HGET', KEYS[1], 'bytes') or '0')
local files = tonumber(redis.call('HGET', KEYS[1], 'files') or '0')
local maxBytes = tonumber(ARGV[3])
local maxFiles = tonumber(ARGV[4])
if isNew and maxFiles >= 0 and files + 1 > maxFiles then return 2 end
if maxBytes >= 0 and bytes + add > maxBytes then return 1 end
redis.call('HINCRBY', KEYS[1], member, add)
redis.call('HINCRBY', KEYS[1], 'bytes', add)
if isNew then redis.call('HINCRBY', KEYS[1], 'files', 1) end
redis.call('ZADD', KEYS[2], ARGV[6], member)
return 0

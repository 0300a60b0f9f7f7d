-- Writes a new batch and counts its documents as its tenant's unfinished ones in one atomic
-- step, after checking the tenant's limit when there is one: two batches of one tenant arriving
-- together cannot both pass the quota, and a refused batch leaves nothing behind.
-- KEYS[1]: record. KEYS[2]: documents. KEYS[3]: tenant's batches. KEYS[4]: open batches.
-- KEYS[5]: unfinished (tenant → count).
-- ARGV[1]: tenant. ARGV[2]: documents to count. ARGV[3]: documents that count against the limit.
-- ARGV[4]: the limit (-1: none). ARGV[5]: batch id. ARGV[6]: expiresAt (ms).
-- ARGV[7]: number of record fields N. Then N field/value pairs, then the document ids.
-- Returns {written (1|0), unfinished before}.
local tenant, count, adding, max = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local before = tonumber(redis.call('HGET', KEYS[5], tenant) or '0')
if before < 0 then before = 0 end
if max >= 0 and before + adding > max then return {0, before} end
local fields = tonumber(ARGV[7])
redis.call('HSET', KEYS[1], unpack(ARGV, 8, 7 + 2 * fields))
-- Lua's stack holds a few thousand values: the ids go in slices.
for i = 8 + 2 * fields, #ARGV, 1000 do
  redis.call('RPUSH', KEYS[2], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('ZADD', KEYS[3], 0, ARGV[5])
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[5])
redis.call('HINCRBY', KEYS[5], tenant, count)
return {1, before}

-- Marks a batch cancelled or expired (`cancelledAt` / `expiredAt`), unless it is final already:
-- a batch that ended meanwhile keeps its status and gets no stop mark.
-- KEYS[1]: record. ARGV: field, nowIso. Returns 1 when the mark is set (now or before), else 0.
if redis.call('HEXISTS', KEYS[1], 'finalStatus') == 1 then
  return redis.call('HEXISTS', KEYS[1], ARGV[1])
end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
return 1

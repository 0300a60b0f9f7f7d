-- Ends the lease of one interactive call and stamps its model as used now (the call served
-- until this moment).
-- KEYS[1]: leases (sorted set: lease id → expiry, ms). KEYS[2]: models (hash: model → last use, ms).
-- ARGV: leaseId, nowMs, model. Returns 1 when the lease was still held, 0 when it had expired.
--- @include "shared/stamp-model"
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
stampModel(KEYS[2], ARGV[3], ARGV[2])
return removed

-- Starts or renews the lease of one interactive call in flight, stamps its model as used now,
-- and drops the leases that expired (those of a crashed API replica), so the lease set stays
-- as small as the calls in flight without any sweeper.
-- KEYS[1]: leases (sorted set: lease id → expiry, ms). KEYS[2]: models (hash: model → last use, ms).
-- ARGV: leaseId, expiresAtMs, nowMs, model. Returns the number of leases held after the step.
--- @include "shared/stamp-model"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
stampModel(KEYS[2], ARGV[4], ARGV[3])
return redis.call('ZCARD', KEYS[1])

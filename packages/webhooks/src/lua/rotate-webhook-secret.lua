-- Replaces a tenant's webhook secret, keeping the old one as previous, in one step: of two
-- concurrent rotations the second one's previous is the first one's new secret.
-- KEYS[1]: the tenant's secret hash (current, createdAt, previous, previousExpiresAt).
-- ARGV[1]: new secret. ARGV[2]: createdAt (ISO). ARGV[3]: previousExpiresAt (ISO).
-- ARGV[4]: the marker standing for the operator's default secret (used when none was rotated).
-- Returns 1.
local current = redis.call('HGET', KEYS[1], 'current')
if not current then current = ARGV[4] end
redis.call('HSET', KEYS[1], 'current', ARGV[1], 'createdAt', ARGV[2],
  'previous', current, 'previousExpiresAt', ARGV[3])
return 1

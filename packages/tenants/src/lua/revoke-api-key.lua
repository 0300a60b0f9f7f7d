-- Revokes an API key: both hashes change in one step, so no replica ever sees a key listed but
-- not revocable, or revoked but still resolving.
-- KEYS[1]: by-hash (SHA-256 of a key → {id, tenant}). KEYS[2]: records (key id → record JSON).
-- ARGV[1]: key id.
-- Returns 1 when the key was revoked, 0 when there is no such live key.
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if not raw then return 0 end
local record = cjson.decode(raw)
redis.call('HDEL', KEYS[1], record.hash)
redis.call('HDEL', KEYS[2], ARGV[1])
return 1

-- What a tenant's files take, after dropping what has ended.
-- KEYS[1]: ledger. KEYS[2]: ends. ARGV[1]: now (ms). Returns {bytes, files}.
--- @include "storage-ledger"
pruneStorage(KEYS[1], KEYS[2], ARGV[1])
return {
  tonumber(redis.call('HGET', KEYS[1], 'bytes') or '0'),
  tonumber(redis.call('HGET', KEYS[1], 'files') or '0'),
}

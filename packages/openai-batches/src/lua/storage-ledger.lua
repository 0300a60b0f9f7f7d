-- Included by the storage scripts: a tenant's ledger (a hash: `bytes`, `files`, and the size of
-- each entry, `f:<id>` for a stored file, `u:<id>` for an upload in progress) and the end of each
-- entry (a sorted set by epoch ms).

-- Drops an entry, giving its bytes and its file back to the quota. Idempotent.
local function forgetStored(ledger, ends, member)
  local size = redis.call('HGET', ledger, member)
  if size then
    -- 0 - size, not -size: Lua's -0 reaches Redis as "-0", which HINCRBY refuses.
    redis.call('HINCRBY', ledger, 'bytes', 0 - tonumber(size))
    redis.call('HINCRBY', ledger, 'files', -1)
    redis.call('HDEL', ledger, member)
  end
  redis.call('ZREM', ends, member)
end

-- Drops every entry past its end: files that expired, uploads whose API stopped renewing them.
local function pruneStorage(ledger, ends, now)
  local gone = redis.call('ZRANGEBYSCORE', ends, '-inf', now, 'LIMIT', 0, 1000)
  for _, member in ipairs(gone) do forgetStored(ledger, ends, member) end
end

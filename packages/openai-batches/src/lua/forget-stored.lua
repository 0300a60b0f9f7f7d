-- Gives an entry's bytes and file back to the tenant's quota (a deleted file, an upload that
-- failed). KEYS[1]: ledger. KEYS[2]: ends. ARGV[1]: the member (`f:<id>` or `u:<id>`).
--- @include "storage-ledger"
forgetStored(KEYS[1], KEYS[2], ARGV[1])
return 1

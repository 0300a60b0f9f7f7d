-- Test fixture: adds twice ARGV[1] to the counter KEYS[1]; returns its new value.
--- @include "shared/double"
--- @include "shared/double.lua"
return redis.call('INCRBY', KEYS[1], double(tonumber(ARGV[1])))

-- Test fixture: adds to a counter.
-- KEYS[1]: the counter. ARGV[1]: how much to add.
-- Returns the counter's new value.
return redis.call('INCRBY', KEYS[1], ARGV[1])

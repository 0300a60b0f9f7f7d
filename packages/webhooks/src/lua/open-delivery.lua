-- Opens a webhook delivery if it does not exist yet and lists it under its batch, in one round
-- trip (this sits on the path from a finished batch to its webhook).
-- KEYS[1]: the delivery hash. KEYS[2]: the batch's delivery ids (list).
-- ARGV[1]: time to live (ms). ARGV[2]: delivery id. ARGV[3..]: field/value pairs of the delivery.
-- Returns 1 when opened, 0 when the delivery existed (nothing changed).
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[2], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1

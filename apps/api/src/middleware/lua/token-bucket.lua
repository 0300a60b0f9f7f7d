-- Token bucket shared by every API replica. Tokens refill continuously at ratePerMin / 60 per
-- second up to burst.
-- KEYS[1]: the bucket (hash: tokens, at).
-- ARGV[1]: rate per minute. ARGV[2]: burst. ARGV[3]: now (ms).
-- ARGV[4]: 1 takes a token when one is there (default); 0 only looks and writes nothing;
-- 2 takes one whatever is there, into debt down to -burst (a call an API replica already let
-- through on its own recent view of the bucket: the debt refuses the calls after it until
-- repaid, so the rate holds across replicas).
-- Returns {allowed (1|0), tokens left (floored, below 0 in debt), retry after (ms), full again
-- after (ms)}.
local key = KEYS[1]
local rate = tonumber(ARGV[1]) / 60000
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local take = tonumber(ARGV[4] or '1')
local state = redis.call('HMGET', key, 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - math.min(take, 1)
  allowed = 1
else
  if take == 2 then tokens = math.max(-burst, tokens - 1) end
  retry = math.ceil((1 - tokens) / rate)
end
if take > 0 then
  redis.call('HSET', key, 'tokens', tostring(tokens), 'at', now)
  redis.call('PEXPIRE', key, math.ceil(burst / rate) + 1000)
end
local reset = math.ceil((burst - tokens) / rate)
return {allowed, math.floor(tokens), retry, reset}

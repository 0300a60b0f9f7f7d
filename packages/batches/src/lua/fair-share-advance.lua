-- Moves a lane's virtual time up to a job that just started; it never moves back.
-- KEYS[1]: clock hash (virtual, issued).
-- ARGV[1]: priority of the job. ARGV[2]: model groups S. ARGV[3]: round length Q.
-- A tag above issued belongs to a job from before the clock restarted: ignored.
-- Returns 1 when the clock moved, else 0.
--- @include "shared/tag-of-priority"
local p = tagOf(tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
local issued = tonumber(redis.call('HGET', KEYS[1], 'issued') or '0')
if p > issued then return 0 end
local v = tonumber(redis.call('HGET', KEYS[1], 'virtual') or '0')
if p > v then
  redis.call('HSET', KEYS[1], 'virtual', p)
  return 1
end
return 0

-- start(id, now, ttl): a cancelled or expired batch's document ends in that state; a final
-- document is a duplicate run; otherwise it moves to `running` and its checkpoint comes back.
-- Needs shared/move-document. Returns {'stop', state} | {'duplicate', ''} | {'run', checkpoint}.
local function start(id, now, ttl)
  local marks = redis.call('HMGET', KEYS[1], 'cancelledAt', 'expiredAt')
  local stop = nil
  if marks[1] then stop = 'cancelled' elseif marks[2] then stop = 'expired' end
  if stop then
    local ended = cjson.encode({documentId = id, status = stop, model = cjson.null,
      usage = {promptTokens = 0, completionTokens = 0}})
    move(id, stop, ended, 0, 0, now, ttl)
    return {'stop', stop}
  end
  if not move(id, 'running', '', 0, 0, now, ttl) then return {'duplicate', ''} end
  return {'run', redis.call('HGET', KEYS[5], id) or ''}
end

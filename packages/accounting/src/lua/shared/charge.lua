-- Adds a call's GPU seconds and/or joules to its batch, document and hour totals.
-- rec: the call's record {t, l, m, b, d}; gpuS / joules: nil to leave that part alone;
-- unknownEnergy: the call's server has no energy source (counted, never as 0 J).
-- Field names: batch hash `g` (GPU s), `j` (J), `c` (calls), `n` (calls of unknown energy);
-- documents hash `<doc>|g`, `<doc>|j`, `<doc>|c`, `<doc>|n`; hour hash `g|<k>`, `j|<k>`, `c|<k>`, `n|<k>`
-- with k = JSON [tenant, lane, model, server], and `b|<server>` (busy s).
local function charge(batchKey, docsKey, hourKey, rec, server, gpuS, joules, unknownEnergy, hourTtl, totalsTtl)
  local k = cjson.encode({ rec.t, rec.l, rec.m, server })
  local inBatch = rec.b ~= nil and rec.b ~= ''
  local doc = rec.d ~= nil and rec.d ~= '' and rec.d or nil
  if gpuS then
    local g = string.format('%.6f', gpuS)
    redis.call('HINCRBYFLOAT', hourKey, 'g|' .. k, g)
    redis.call('HINCRBY', hourKey, 'c|' .. k, 1)
    redis.call('HINCRBYFLOAT', hourKey, 'b|' .. server, g)
    if inBatch then
      redis.call('HINCRBYFLOAT', batchKey, 'g', g)
      redis.call('HINCRBY', batchKey, 'c', 1)
      if doc then
        redis.call('HINCRBYFLOAT', docsKey, doc .. '|g', g)
        redis.call('HINCRBY', docsKey, doc .. '|c', 1)
      end
    end
  end
  if joules then
    local j = string.format('%.6f', joules)
    redis.call('HINCRBYFLOAT', hourKey, 'j|' .. k, j)
    if inBatch then
      redis.call('HINCRBYFLOAT', batchKey, 'j', j)
      if doc then redis.call('HINCRBYFLOAT', docsKey, doc .. '|j', j) end
    end
  elseif unknownEnergy then
    redis.call('HINCRBY', hourKey, 'n|' .. k, 1)
    if inBatch then
      redis.call('HINCRBY', batchKey, 'n', 1)
      if doc then redis.call('HINCRBY', docsKey, doc .. '|n', 1) end
    end
  end
  redis.call('EXPIRE', hourKey, hourTtl)
  if inBatch then
    redis.call('EXPIRE', batchKey, totalsTtl)
    if doc then redis.call('EXPIRE', docsKey, totalsTtl) end
  end
end

-- The calls of a server that overlap [s, e]: {id, s, e} with e = math.huge while running.
-- Read from the starts, ends and alive sorted sets alone (no record decoded: this runs at every
-- call's end, over every call in flight). The target call (id) is taken as [s, e]. A running
-- call with no sign of life since `silentBefore` (its process died) ends at its last one.
local function overlapping(startsKey, endsKey, aliveKey, silentBefore, id, s, e)
  local found = redis.call('ZRANGEBYSCORE', startsKey, '-inf', '(' .. fmt(e), 'WITHSCORES')
  local ids, starts = {}, {}
  for i = 1, #found, 2 do
    ids[#ids + 1] = found[i]
    starts[#starts + 1] = tonumber(found[i + 1])
  end
  local out = {}
  if #ids == 0 then return out end
  local ends = zmscoreAll(endsKey, ids)
  local alive = zmscoreAll(aliveKey, ids)
  for i, cid in ipairs(ids) do
    if cid == id then
      out[#out + 1] = { id = cid, s = s, e = e }
    else
      local ce = ends[i] and tonumber(ends[i]) or math.huge
      if ce == math.huge and alive[i] and tonumber(alive[i]) < silentBefore then
        ce = math.max(starts[i], tonumber(alive[i]))
      end
      if ce > s then out[#out + 1] = { id = cid, s = starts[i], e = ce } end
    end
  end
  return out
end

-- The sweep: on each elementary sub-interval of [s, e] (cut at every start and end of the
-- overlapping calls) the running calls split its duration equally. With fixed slots
-- (slots > 0) only the first `slots` calls by start (then id) run; the rest wait in the
-- server's queue and are charged nothing. Continuous batching (slots = 0): all of them run.
-- One pass over the calls' starts and ends in time order (n log n: a server may run hundreds
-- of sequences at once, and this runs inside Redis).
-- Returns the target's pieces {a, b, running} (consecutive equal ones merged) and its share, ms.
local function sweep(calls, id, s, e, slots)
  local events = {}
  local active, ahead = 0, 0
  for _, c in ipairs(calls) do
    -- Every call here overlaps (s, e): c.s < e and c.e > s. A call ahead of the target in the
    -- queue started before it, so it is active at s and only its end changes anything.
    local isAhead = c.id ~= id and (c.s < s or (c.s == s and c.id < id))
    if c.s <= s then
      active = active + 1
      if isAhead then ahead = ahead + 1 end
    else
      events[#events + 1] = { c.s, 1, false }
    end
    if c.e < e then events[#events + 1] = { c.e, -1, isAhead } end
  end
  table.sort(events, function(x, y) return x[1] < y[1] end)
  local pieces, share = {}, 0
  local a, i = s, 1
  while a < e do
    local b = e
    if events[i] then b = events[i][1] end
    if b > a then
      local running = active
      if slots > 0 and running > slots then running = slots end
      if running > 0 and (slots == 0 or ahead < slots) then
        share = share + (b - a) / running
        local last = pieces[#pieces]
        if last and last[2] == a and last[3] == running then
          last[2] = b
        else
          pieces[#pieces + 1] = { a, b, running }
        end
      end
    end
    while events[i] and events[i][1] == b do
      active = active + events[i][2]
      if events[i][3] then ahead = ahead - 1 end
      i = i + 1
    end
    a = b
  end
  return pieces, share
end

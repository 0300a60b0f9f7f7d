-- Included by the fair-share scripts: the Lua function tagOf(p, S, Q), the turn tag of a BullMQ
-- priority p with S model groups and rounds of Q turns (inverse of priorityOfTag in
-- fair-share.ts, dropping the group). Keep the two in step.
local function tagOf(p, S, Q)
  local p0 = p - 1
  local round = math.floor(p0 / (Q * S))
  return round * Q + (p0 % (Q * S)) % Q + 1
end

-- Test fixture, included: a Lua function double(n).
local function double(n)
  return n * 2
end

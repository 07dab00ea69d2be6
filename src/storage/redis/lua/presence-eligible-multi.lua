--[[
presence-eligible-multi: presence-eligible for several connections (of any
groups) in one call, each section exactly as presence-eligible runs it, one
after the other in the order given. A node gathers the connections that
become eligible within one event-loop turn (the devices of a reconnect
storm) into one call, so the fixed cost of a script call is paid once for
all of them. Only on a Redis that is not a cluster: the sections name keys
of different hash slots.

KEYS   3 per section: KEYS[1..3] of presence-eligible
ARGV   4 per section: ARGV[1..4] of presence-eligible

Returns {0, replies}: per section, in order, the reply presence-eligible
gives for it; {-1, why} when the sections are malformed (nothing changed).
]]
--@sections 3 4
local allKeys = KEYS -- 3 per section
local allArgs = ARGV -- 4 per section

--@include lib/coordinator.lua

local sections = #allArgs / 4
if sections < 1 or sections ~= math.floor(sections) or #allKeys ~= 3 * sections then
    return { -1, 'sections need 3 keys and 4 arguments each' }
end
for s = 1, sections do
    if tonumber(allArgs[4 * s]) == nil then
        return { -1, 'section ' .. s .. ': now must be a number' }
    end
end
local replies = {}
for s = 1, sections do
    local k = 3 * (s - 1)
    local a = 4 * (s - 1)
    replies[s] = becomeEligible(allKeys[k + 1], allKeys[k + 2], allKeys[k + 3], allArgs[a + 1], allArgs[a + 2],
        allArgs[a + 3], tonumber(allArgs[a + 4]))
end
return { 0, replies }

--[[
reflect-append-multi: the batches of several sender connections (of any
groups) in one call, each stored exactly as reflect-append stores it, one
after the other in the order given. A node gathers the batches its sender
connections start within one event-loop turn into one call, so the fixed
cost of a script call (and of its reply) is paid once for all of them when
each connection has only one reflection to store. Only on a Redis that is
not a cluster: the sections name keys of different hash slots.

Every section is checked before any is stored: one malformed section fails
the whole call and stores nothing. A section a fence refuses (LOCK_LOST,
PRESENCE_LOST) does not stop the others.

KEYS   7 per section: KEYS[1..7] of reflect-append
ARGV   9 per section: ARGV[1..9] of reflect-append

Returns {0, replies}: per section, in order, the reply that reflect-append
returns for it; {-1, why} when a section is malformed.
]]
--@sections 7 9
local allKeys = KEYS -- 7 per section
local allArgs = ARGV -- 9 per section

--@include lib/queue.lua
--@include lib/coordinator.lua
--@include lib/append.lua

local sections = #allArgs / 9
if sections < 1 or sections ~= math.floor(sections) or #allKeys ~= 7 * sections then
    return { -1, 'sections need 7 keys and 9 arguments each' }
end
local parsed = {}
for s = 1, sections do
    local a = 9 * (s - 1)
    local p, problem = parseAppend({
        allArgs[a + 1], allArgs[a + 2], allArgs[a + 3], allArgs[a + 4], allArgs[a + 5],
        allArgs[a + 6], allArgs[a + 7], allArgs[a + 8], allArgs[a + 9],
    })
    if p == nil then
        return { -1, 'section ' .. s .. ': ' .. problem }
    end
    parsed[s] = p
end
local replies = {}
for s = 1, sections do
    local k = 7 * (s - 1)
    replies[s] = storeAppend({
        allKeys[k + 1], allKeys[k + 2], allKeys[k + 3], allKeys[k + 4], allKeys[k + 5], allKeys[k + 6], allKeys[k + 7],
    }, parsed[s])
end
return { 0, replies }

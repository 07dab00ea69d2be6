--[[
reflect-ack-multi: the ack batches of several groups in one call, each
applied exactly as reflect-ack applies it, one after the other in the order
given. A node gathers the ack batches its groups start within one
event-loop turn into one call, so the fixed cost of a script call (the
call itself, its arguments and reply, the script's set-up) is paid once
for all of them. Only on a Redis that is not a cluster: the sections name
keys of different hash slots.

A section keeps its own outcome: a malformed ack list (BAD_ARGUMENT)
changes nothing of its group and does not stop the other sections.

KEYS   3 per section: KEYS[1..3] of reflect-ack
ARGV   1 per section: ARGV[1] of reflect-ack

Returns {0, replies}: per section, in order, the reply reflect-ack gives for
it; {-1, why} when the sections are malformed (nothing changed).
]]
--@sections 3 1
local allKeys = KEYS -- 3 per section
local allArgs = ARGV -- 1 per section

--@include lib/queue.lua
--@include lib/ack.lua

local sections = #allArgs
if sections < 1 or #allKeys ~= 3 * sections then
    return { -1, 'sections need 3 keys and 1 argument each' }
end
local replies = {}
for s = 1, sections do
    local k = 3 * (s - 1)
    replies[s] = applyAcks(allKeys[k + 1], allKeys[k + 2], allKeys[k + 3], allArgs[s])
end
return { 0, replies }

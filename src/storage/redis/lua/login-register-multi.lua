--[[
login-register-multi: login-register for several logins (of any groups) in
one call, each section exactly as login-register runs it, one after the
other in the order given. A node gathers the logins that reach this step
within one event-loop turn (the devices of a reconnect storm) into one
call, so the fixed cost of a script call is paid once for all of them.
Only on a Redis that is not a cluster: the sections name keys of different
hash slots.

A section keeps its own outcome: one that login-register would refuse
(BAD_ARGUMENT, CORRUPT_STATE) changes nothing and does not stop the others.

KEYS   8 per section: KEYS[1..8] of login-register
ARGV   9 per section: ARGV[1..9] of login-register

Returns {0, replies}: per section, in order, the reply login-register gives
for it; {-1, why} when the sections are malformed (nothing changed).
]]
--@sections 8 9
local allKeys = KEYS -- 8 per section
local allArgs = ARGV -- 9 per section

--@include lib/queue.lua
--@include lib/coordinator.lua
--@include lib/login.lua

local sections = #allArgs / 9
if sections < 1 or sections ~= math.floor(sections) or #allKeys ~= 8 * sections then
    return { -1, 'sections need 8 keys and 9 arguments each' }
end
local replies = {}
for s = 1, sections do
    local k = 8 * (s - 1)
    local a = 9 * (s - 1)
    replies[s] = registerLogin({
        allKeys[k + 1], allKeys[k + 2], allKeys[k + 3], allKeys[k + 4],
        allKeys[k + 5], allKeys[k + 6], allKeys[k + 7], allKeys[k + 8],
    }, {
        allArgs[a + 1], allArgs[a + 2], allArgs[a + 3], allArgs[a + 4], allArgs[a + 5],
        allArgs[a + 6], allArgs[a + 7], allArgs[a + 8], allArgs[a + 9],
    })
end
return { 0, replies }

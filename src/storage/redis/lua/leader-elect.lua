--[[
leader-elect: keeps a leader whose connection is still the registered, live
presence of its device; otherwise promotes the best live eligible presence
(proxy-active first, then the latest connectedSince, then the greater
connection id), with a term from the group's counter, and publishes
`promoted` in the same step. Without an eligible presence the leader role is
cleared.

KEYS[1] presenceKey   HASH device id → presence JSON
KEYS[2] leaderKey     HASH d = device id, c = connection id, t = term
KEYS[3] countersKey   HASH with the `term` counter (never deleted)
ARGV[1] channel       the group's bus channel (same hash tag)
ARGV[2] now           decimal Unix ms; presence expired by then does not count

Returns {status, deviceId, connectionId, term}
  0 OK         the leader after the election
  1 NOT_FOUND  nobody is eligible; there is no leader
]]
local presenceKey = KEYS[1] -- HASH
local leaderKey = KEYS[2] -- HASH
local countersKey = KEYS[3] -- HASH
local channel = ARGV[1] -- string
local now = tonumber(ARGV[2]) -- number

--@include lib/coordinator.lua

return electLeader(presenceKey, leaderKey, countersKey, channel, now)

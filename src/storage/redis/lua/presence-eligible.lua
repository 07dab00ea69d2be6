--[[
presence-eligible: a registered connection becomes eligible for the leader
role (presence-update with eligible set), then the group elects its leader
(leader-elect), in one step. When the device's presence is no longer this
connection's, nothing is set and the election still runs. The step is
becomeEligible of lib/coordinator.lua, shared with presence-eligible-multi.

KEYS[1] presenceKey   HASH device id → presence JSON
KEYS[2] leaderKey     HASH d = device id, c = connection id, t = term
KEYS[3] countersKey   HASH with the `term` counter (never deleted)
ARGV[1] channel       the group's bus channel (same hash tag)
ARGV[2] deviceId      decimal u64
ARGV[3] connectionId  string
ARGV[4] now           decimal Unix ms; presence expired by then does not count

Returns {status, deviceId, connectionId, term} as leader-elect
  0 OK         the leader after the election
  1 NOT_FOUND  nobody is eligible; there is no leader
]]
local presenceKey = KEYS[1] -- HASH
local leaderKey = KEYS[2] -- HASH
local countersKey = KEYS[3] -- HASH
local channel = ARGV[1] -- string
local deviceId = ARGV[2] -- decimal string
local connectionId = ARGV[3] -- string
local now = tonumber(ARGV[4]) -- number

--@include lib/coordinator.lua

return becomeEligible(presenceKey, leaderKey, countersKey, channel, deviceId, connectionId, now)

--[[
presence-eligible: a registered connection becomes eligible for the leader
role (presence-update with eligible set), then the group elects its leader
(leader-elect), in one step. When the device's presence is no longer this
connection's, nothing is set and the election still runs.

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

local json = redis.call('HGET', presenceKey, deviceId)
local presence = json and decodePresence(json) or nil
if presence ~= nil and presence.c == connectionId and presence.e ~= true then
    presence.e = true
    redis.call('HSET', presenceKey, deviceId, cjson.encode(presence))
end
return electLeader(presenceKey, leaderKey, countersKey, channel, now)

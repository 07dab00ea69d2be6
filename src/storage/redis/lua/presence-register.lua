--[[
presence-register: records the connection serving a device. An older
connection of the same device is replaced: it loses the leader role if it
had it, and a `kick` event (close code kickCode) is published for it in the
same step. Registering the same connection again updates node and time and
keeps its flags.

KEYS[1] presenceKey    HASH device id → presence JSON
KEYS[2] leaderKey      HASH d, c, t
ARGV[1] channel        the group's bus channel (same hash tag)
ARGV[2] deviceId       decimal u64
ARGV[3] connectionId   string
ARGV[4] nodeId         string
ARGV[5] connectedSince decimal Unix ms
ARGV[6] kickCode       decimal close code for the replaced connection
ARGV[7] expiresAt      decimal Unix ms until which the presence counts as alive

Returns {status, replaced}
  0 OK  replaced: the replaced presence JSON, or '' when none was replaced
]]
local presenceKey = KEYS[1] -- HASH
local leaderKey = KEYS[2] -- HASH
local channel = ARGV[1] -- string
local deviceId = ARGV[2] -- decimal string
local connectionId = ARGV[3] -- string
local nodeId = ARGV[4] -- string
local connectedSince = ARGV[5] -- decimal string
local kickCode = tonumber(ARGV[6]) -- number
local expiresAt = ARGV[7] -- decimal string

--@include lib/coordinator.lua

local replaced = registerPresence(presenceKey, leaderKey, channel, deviceId, connectionId, nodeId, connectedSince,
    kickCode, expiresAt)
return { 0, replaced }

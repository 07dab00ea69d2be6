--[[
presence-unregister: removes a device's presence if it still names this
connection; clears the leader role if this connection held it.

KEYS[1] presenceKey    HASH device id → presence JSON
KEYS[2] leaderKey      HASH d, c, t
ARGV[1] deviceId       decimal u64
ARGV[2] connectionId   string

Returns {status}
  0 OK         the presence was this connection's and is gone
  1 NOT_FOUND  the device has no presence or another connection's (nothing changed)
]]
local presenceKey = KEYS[1] -- HASH
local leaderKey = KEYS[2] -- HASH
local deviceId = ARGV[1] -- decimal string
local connectionId = ARGV[2] -- string

--@include lib/coordinator.lua

if unregisterPresence(presenceKey, leaderKey, deviceId, connectionId) then
    return { 0 }
end
return { 1 }

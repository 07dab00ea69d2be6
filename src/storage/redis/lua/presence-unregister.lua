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

local json = redis.call('HGET', presenceKey, deviceId)
local presence = json and decodePresence(json) or nil
if presence == nil or presence.c ~= connectionId then
    return { 1 }
end
redis.call('HDEL', presenceKey, deviceId)
if redis.call('HGET', leaderKey, 'c') == connectionId then
    redis.call('DEL', leaderKey)
end
return { 0 }

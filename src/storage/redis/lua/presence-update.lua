--[[
presence-update: sets the leader-relevant flags of a registered connection.

KEYS[1] presenceKey    HASH device id → presence JSON
ARGV[1] deviceId       decimal u64
ARGV[2] connectionId   string
ARGV[3] eligible       '1' / '0', or '' to keep
ARGV[4] proxyActive    '1' / '0', or '' to keep

Returns {status}
  0 OK         updated
  1 NOT_FOUND  the device's presence is not this connection's (nothing changed)
]]
local presenceKey = KEYS[1] -- HASH
local deviceId = ARGV[1] -- decimal string
local connectionId = ARGV[2] -- string
local eligible = ARGV[3] -- '1' | '0' | ''
local proxyActive = ARGV[4] -- '1' | '0' | ''

--@include lib/coordinator.lua

local json = redis.call('HGET', presenceKey, deviceId)
local presence = json and decodePresence(json) or nil
if presence == nil or presence.c ~= connectionId then
    return { 1 }
end
if eligible ~= '' then
    presence.e = eligible == '1'
end
if proxyActive ~= '' then
    presence.p = proxyActive == '1'
end
redis.call('HSET', presenceKey, deviceId, cjson.encode(presence))
return { 0 }

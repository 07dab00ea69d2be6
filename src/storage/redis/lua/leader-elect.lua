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

local leader = redis.call('HMGET', leaderKey, 'd', 'c', 't')
if leader[1] then
    local json = redis.call('HGET', presenceKey, leader[1])
    local presence = json and decodePresence(json) or nil
    if presence ~= nil and presence.c == leader[2] and isAlive(presence, now) then
        return { 0, leader[1], leader[2], leader[3] }
    end
end

local entries = redis.call('HGETALL', presenceKey)
local bestDevice = nil
local best = nil
for i = 1, #entries, 2 do
    local presence = decodePresence(entries[i + 1])
    if presence ~= nil and presence.e == true and isAlive(presence, now) then
        local better = best == nil
        if not better then
            local since = tonumber(presence.s)
            local bestSince = tonumber(best.s)
            if (presence.p == true) ~= (best.p == true) then
                better = presence.p == true
            elseif since ~= bestSince then
                better = since > bestSince
            else
                better = bytesGreater(presence.c, best.c)
            end
        end
        if better then
            bestDevice = entries[i]
            best = presence
        end
    end
end

redis.call('DEL', leaderKey)
if best == nil then
    return { 1 }
end
local term = string.format('%d', redis.call('HINCRBY', countersKey, 'term', 1))
redis.call('HSET', leaderKey, 'd', bestDevice, 'c', best.c, 't', term)
redis.call('SPUBLISH', channel, cjson.encode({ 'p', bestDevice, best.c, term }))
return { 0, bestDevice, best.c, term }

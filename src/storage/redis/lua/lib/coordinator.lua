--[[
Shared helpers of the coordinator scripts. Not a script of its own: the
loader (scripts.ts) pastes it where a script says `--@include lib/coordinator.lua`.

A presence is stored as JSON {c = connectionId, n = nodeId, s = connectedSince
(decimal string), x = expiresAt (decimal string), e = eligible, p = proxyActive}. Events are JSON arrays (see
bus-codec.ts).
]]

-- Byte-wise string order (the same as JavaScript's for ASCII), independent of the server's locale.
local function bytesGreater(a, b)
    local length = math.min(#a, #b)
    for i = 1, length do
        local x = string.byte(a, i)
        local y = string.byte(b, i)
        if x ~= y then
            return x > y
        end
    end
    return #a > #b
end

local function decodePresence(json)
    local ok, presence = pcall(cjson.decode, json)
    if ok and type(presence) == 'table' and type(presence.c) == 'string' then
        return presence
    end
    return nil
end

-- Whether a presence's node still renews it: alive until its expiry.
local function isAlive(presence, now)
    return tonumber(presence.x) ~= nil and tonumber(presence.x) > now
end

--[[
Records the connection serving a device (the step of presence-register and
login-register). An older connection of the same device is replaced: it
loses the leader role if it had it, and a `kick` event (close code kickCode)
is published for it. Registering the same connection again updates node and
times and keeps its flags. Returns the replaced presence JSON, or '' when
none was replaced.
]]
local function registerPresence(presenceKey, leaderKey, channel, deviceId, connectionId, nodeId, connectedSince,
                                kickCode, expiresAt)
    local previousJson = redis.call('HGET', presenceKey, deviceId)
    local previous = previousJson and decodePresence(previousJson) or nil
    local eligible = false
    local proxyActive = false
    if previous ~= nil and previous.c == connectionId then
        eligible = previous.e == true
        proxyActive = previous.p == true
    end
    redis.call('HSET', presenceKey, deviceId, cjson.encode({
        c = connectionId, n = nodeId, s = connectedSince, e = eligible, p = proxyActive, x = expiresAt,
    }))
    if previous == nil or previous.c == connectionId then
        return ''
    end
    if redis.call('HGET', leaderKey, 'c') == previous.c then
        redis.call('DEL', leaderKey)
    end
    redis.call('SPUBLISH', channel, cjson.encode({ 'k', deviceId, previous.c, kickCode }))
    return previousJson
end

-- The step of presence-unregister (see there): removes the device's presence if it still names
-- this connection, and clears the leader role if the connection held it. Returns whether it did.
local function unregisterPresence(presenceKey, leaderKey, deviceId, connectionId)
    local json = redis.call('HGET', presenceKey, deviceId)
    local presence = json and decodePresence(json) or nil
    if presence == nil or presence.c ~= connectionId then
        return false
    end
    redis.call('HDEL', presenceKey, deviceId)
    if redis.call('HGET', leaderKey, 'c') == connectionId then
        redis.call('DEL', leaderKey)
    end
    return true
end

--[[
The election (the step of leader-elect and presence-eligible): keeps a
leader whose connection is still the registered, live presence of its
device; otherwise promotes the best live eligible presence (proxy-active
first, then the latest connectedSince, then the greater connection id),
with a term from the group's counter, and publishes `promoted`. Without an
eligible presence the leader role is cleared. Returns the reply
{status, deviceId, connectionId, term}: 0 OK, or {1} NOT_FOUND (no leader).
]]
local function electLeader(presenceKey, leaderKey, countersKey, channel, now)
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
end

-- The step of presence-eligible (see there): marks the connection's presence eligible when it is
-- still the device's, then runs the election. Returns the election's reply.
local function becomeEligible(presenceKey, leaderKey, countersKey, channel, deviceId, connectionId, now)
    local json = redis.call('HGET', presenceKey, deviceId)
    local presence = json and decodePresence(json) or nil
    if presence ~= nil and presence.c == connectionId and presence.e ~= true then
        presence.e = true
        redis.call('HSET', presenceKey, deviceId, cjson.encode(presence))
    end
    return electLeader(presenceKey, leaderKey, countersKey, channel, now)
end

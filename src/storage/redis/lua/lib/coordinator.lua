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

--[[
presence-renew: a node keeps its connections of the group alive and clears
the presence of nodes that died. Extends the expiry of every named connection
registered by nodeId that is still alive, and deletes every presence whose
expiry passed before now, the caller's own included (a renewal that came too
late cannot revive it); a deleted presence that held the leader role clears
it (the caller then elects a new leader).

KEYS[1] presenceKey    HASH device id → presence JSON
KEYS[2] leaderKey      HASH d, c, t
ARGV[1] nodeId         string
ARGV[2] expiresAt      decimal Unix ms, the new expiry of the named connections
ARGV[3] now            decimal Unix ms
ARGV[4] connections    JSON array of connection ids

Returns {status, leaderLost, missing...}
  0 OK  leaderLost: '1' when a deleted presence held the leader role, else '0';
        missing: the named connections that are not registered (any more)
]]
local presenceKey = KEYS[1] -- HASH
local leaderKey = KEYS[2] -- HASH
local nodeId = ARGV[1] -- string
local expiresAt = ARGV[2] -- decimal string
local now = tonumber(ARGV[3]) -- number
local connections = cjson.decode(ARGV[4]) -- array of strings

--@include lib/coordinator.lua

local wanted = {}
for _, connectionId in ipairs(connections) do
    wanted[connectionId] = true
end

local leaderConnection = redis.call('HGET', leaderKey, 'c')
local leaderLost = '0'
local entries = redis.call('HGETALL', presenceKey)
for i = 1, #entries, 2 do
    local presence = decodePresence(entries[i + 1])
    if presence ~= nil and wanted[presence.c] and presence.n == nodeId and isAlive(presence, now) then
        wanted[presence.c] = nil
        presence.x = expiresAt
        redis.call('HSET', presenceKey, entries[i], cjson.encode(presence))
    elseif presence == nil or not isAlive(presence, now) then
        -- An expired entry is never revived, not even by its own node: other
        -- nodes may already treat it as gone (a new leader, a released lock),
        -- so its connection is reported missing and gets closed.
        redis.call('HDEL', presenceKey, entries[i])
        if presence ~= nil and presence.c == leaderConnection then
            redis.call('DEL', leaderKey)
            leaderLost = '1'
        end
    end
end

local result = { 0, leaderLost }
for _, connectionId in ipairs(connections) do
    if wanted[connectionId] then
        result[#result + 1] = connectionId
    end
end
return result

--[[
The body of login-register (see login-register.lua for its steps, keys,
arguments and reply), shared with login-register-multi, which runs it for
the logins of several connections in one call.

Needs lib/queue.lua and lib/coordinator.lua included before it.
]]

-- k: KEYS[1..8] of login-register; a: ARGV[1..9]. Returns the reply of login-register.
local function registerLogin(k, a)
    local slotsKey, queueKey, countersKey, payloadsKey, heldKey, presenceKey, leaderKey, lockKey =
        k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8]
    local channel, deviceId, connectionId, nodeId, connectedSince = a[1], a[2], a[3], a[4], a[5]
    local kickCode = tonumber(a[6])
    local expiresAt, newSlot = a[7], a[8]
    local now = tonumber(a[9])
    if now == nil then
        return { -1, 'now must be a number' }
    end

    -- Reads first, so that a corrupt held list changes nothing; no step below writes the lock or the
    -- held list (emptying a NEW slot's queue deletes the group's queue keys only when nothing is held).
    local lock = redis.call('HMGET', lockKey, 'd', 'c', 's', 'e', 't')
    local stale = {}
    local bad = staleHeldTokens(heldKey, currentLockToken(lock[5], lock[4], now), stale)
    if bad ~= nil then
        return { -2, 'held entry ' .. bad }
    end

    local qkeys = { slots = slotsKey, queue = queueKey, counters = countersKey, payloads = payloadsKey }
    if newSlot == '1' then
        clearSlot(qkeys, heldKey, deviceId)
    end
    redis.call('SADD', slotsKey, deviceId)
    local replaced = registerPresence(presenceKey, leaderKey, channel, deviceId, connectionId, nodeId,
        connectedSince, kickCode, expiresAt)
    local count, bytes, oldest = slotStats(qkeys, deviceId)

    local reply = {
        0, replaced, lock[1] or '', lock[2] or '', lock[3] or '', lock[4] or '', lock[5] or '', count, bytes, oldest,
    }
    for i = 1, #stale do
        reply[#reply + 1] = stale[i]
    end
    return reply
end

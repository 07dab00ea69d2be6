--[[
The body of reflect-append (see reflect-append.lua for what it stores, the
fences and the reply), shared with reflect-append-multi, which runs it for
the batches of several sender connections in one call. Two steps:
parseAppend checks and splits one batch's arguments without touching Redis,
so a call can refuse a malformed batch before it stores anything;
storeAppend stores a parsed batch and returns reflect-append's reply.

Needs lib/queue.lua and lib/coordinator.lua included before it.
]]

-- a: channel, sender, maxCount, maxBytes, held, token, connection, items, envelopes
-- (ARGV[1..9] of reflect-append). Returns the parsed batch, or nil and why.
local function parseAppend(a)
    local maxCount, maxBytes = tonumber(a[3]), tonumber(a[4])
    if maxCount == nil or maxBytes == nil then
        return nil, 'limits must be numbers'
    end
    -- Item i: metas[i] ('<flags>:<timestamp>', as stored), flags[i] and timestamps[i] (decimal
    -- text), times[i] (number), bodies[i] (bytes).
    local metas, flags, timestamps, times, bodies = {}, {}, {}, {}, {}
    local list, envelopes = a[8], a[9]
    local offset = 1
    local from = 1
    local count = 0
    while from <= #list do
        local to = string.find(list, ',', from, true)
        local meta, flagText, timestamp, lengthText =
            string.match(string.sub(list, from, (to or 0) - 1), '^((%d+):(%d+)):(%d+)$')
        if meta == nil then
            return nil, 'items must be <flags>:<timestamp>:<length>'
        end
        local length = tonumber(lengthText)
        count = count + 1
        metas[count] = meta
        flags[count] = flagText
        timestamps[count] = timestamp
        times[count] = tonumber(timestamp)
        bodies[count] = string.sub(envelopes, offset, offset + length - 1)
        offset = offset + length
        if to == nil then
            break
        end
        from = to + 1
    end
    if count == 0 or offset ~= #envelopes + 1 then
        return nil, 'the envelope lengths must add up to the envelopes'
    end
    return {
        channel = a[1],
        sender = a[2],
        maxCount = maxCount,
        maxBytes = maxBytes,
        held = a[5] == '1',
        holdToken = a[6],
        senderConnection = a[7],
        envelopes = envelopes,
        metas = metas,
        flags = flags,
        timestamps = timestamps,
        times = times,
        bodies = bodies,
    }
end

local NO_IDS = {}

-- k: slotsKey, queueKey, countersKey, payloadsKey, heldKey, lockKey, presenceKey
-- (KEYS[1..7] of reflect-append); p: a parsed batch. Returns the reply of reflect-append,
-- {status, stored, ids, overflowAt}.
local function storeAppend(k, p)
    local slotsKey, queueKey, countersKey, payloadsKey, heldKey, lockKey, presenceKey =
        k[1], k[2], k[3], k[4], k[5], k[6], k[7]
    local channel, sender, maxCount, maxBytes = p.channel, p.sender, p.maxCount, p.maxBytes
    local held, holdToken, senderConnection, envelopes = p.held, p.holdToken, p.senderConnection, p.envelopes
    local metas, flags, timestamps, times, bodies = p.metas, p.flags, p.timestamps, p.times, p.bodies

    -- The fences: `count` leading items pass; `status` tells why the next one does not.
    local count = #flags
    local status = 0
    if senderConnection ~= '' then
        local json = redis.call('HGET', presenceKey, sender)
        local presence = json and decodePresence(json) or nil
        if presence == nil or presence.c ~= senderConnection then
            count = 0
            status = 5
        else
            for i = 1, count do
                if not isAlive(presence, times[i]) then
                    count = i - 1
                    status = 5
                    break
                end
            end
        end
    end
    if held and count > 0 then
        local lock = redis.call('HMGET', lockKey, 't', 'e')
        local expiresAt = tonumber(lock[2])
        for i = 1, count do
            if lock[1] ~= holdToken or expiresAt == nil or expiresAt <= times[i] then
                count = i - 1
                status = 4
                break
            end
        end
    end
    if count == 0 then
        return { status, 0, NO_IDS, NO_IDS }
    end

    -- Numbers go to Redis as decimal text: a Lua number would be formatted as a float (%.14g).
    local countText = string.format('%d', count)
    if held then
        local firstId = redis.call('HINCRBY', countersKey, 'pid', countText) - count + 1
        local fields = {}
        local entries = {}
        local n = 0
        for i = 1, count do
            local payloadId = string.format('%d', firstId + i - 1)
            fields[n + 1] = payloadId
            fields[n + 2] = bodies[i]
            fields[n + 3] = payloadId .. ':m'
            fields[n + 4] = metas[i]
            fields[n + 5] = payloadId .. ':r'
            fields[n + 6] = '1'
            n = n + 6
            entries[i] = payloadId .. ':' .. sender .. ':' .. holdToken
        end
        redis.call('HSET', payloadsKey, unpack(fields))
        redis.call('RPUSH', heldKey, unpack(entries))
        return { status, count, NO_IDS, NO_IDS }
    end

    local members = redis.call('SMEMBERS', slotsKey)
    table.sort(members, decimalLess)
    local others = {}
    -- The counters of every slot and the payload id counter, read with one command (and written
    -- with one below): per slot its seq, count and bytes, in the order of `others`.
    local counterFields = {}
    for i = 1, #members do
        local deviceId = members[i]
        if deviceId ~= sender then
            local j = #others + 1
            others[j] = deviceId
            counterFields[3 * j - 2] = deviceId .. ':s'
            counterFields[3 * j - 1] = deviceId .. ':n'
            counterFields[3 * j] = deviceId .. ':b'
        end
    end
    -- Nobody to deliver to: store nothing (not even a payload id).
    if #others == 0 then
        return { status, count, NO_IDS, NO_IDS }
    end
    counterFields[#counterFields + 1] = 'pid'
    local counterValues = hashGet(countersKey, counterFields)
    local firstId = (tonumber(counterValues[#counterFields]) or 0) + 1
    local payloadIds = {}
    for i = 1, count do
        payloadIds[i] = string.format('%d', firstId + i - 1)
    end

    local qkeys = { slots = slotsKey, queue = queueKey, counters = countersKey, payloads = payloadsKey }
    -- Per slot: all items, or those before the one it overflows on (then it is removed, with them).
    local overflowAt = {}
    local eventIds = {}
    local eventSeqs = {}
    local zargs = {}
    local z = 0
    local counterUpdates = { 'pid', string.format('%d', firstId + count - 1) }
    local u = 2
    for j = 1, #others do
        local deviceId = others[j]
        local lastSeq = tonumber(counterValues[3 * j - 2]) or 0
        local itemCount = tonumber(counterValues[3 * j - 1]) or 0
        local bytes = tonumber(counterValues[3 * j]) or 0
        local overflow = 0
        for i = 1, count do
            local size = #bodies[i]
            if itemCount + 1 > maxCount or bytes + size > maxBytes then
                overflow = i
                break
            end
            itemCount = itemCount + 1
            bytes = bytes + size
        end
        overflowAt[j] = overflow
        if overflow ~= 0 then
            removeSlot(qkeys, deviceId)
        else
            local prefix = padDeviceId(deviceId)
            for i = 1, count do
                zargs[z + 1] = '0'
                zargs[z + 2] = string.format('%s:%016d:%s', prefix, lastSeq + i, payloadIds[i])
                z = z + 2
            end
            lastSeq = lastSeq + count
            counterUpdates[u + 1] = counterFields[3 * j - 2]
            counterUpdates[u + 2] = string.format('%d', lastSeq)
            counterUpdates[u + 3] = counterFields[3 * j - 1]
            counterUpdates[u + 4] = string.format('%d', itemCount)
            counterUpdates[u + 5] = counterFields[3 * j]
            counterUpdates[u + 6] = string.format('%d', bytes)
            u = u + 6
            eventIds[#eventIds + 1] = deviceId
            eventSeqs[#eventIds] = lastSeq
        end
    end
    -- The items of every slot in one ZADD, the counters in one HSET.
    chunked('ZADD', queueKey, zargs)
    chunked('HSET', countersKey, counterUpdates)

    -- Every slot that kept the items holds a reference to each of them.
    local refs = #eventIds
    if refs > 0 then
        local refsText = string.format('%d', refs)
        local fields = {}
        local n = 0
        for i = 1, count do
            local payloadId = payloadIds[i]
            fields[n + 1] = payloadId
            fields[n + 2] = bodies[i]
            fields[n + 3] = payloadId .. ':m'
            fields[n + 4] = metas[i]
            fields[n + 5] = payloadId .. ':r'
            fields[n + 6] = refsText
            n = n + 6
        end
        redis.call('HSET', payloadsKey, unpack(fields))
        -- When every item passed the fences, their envelopes are ARGV's as they came.
        publishAppendedItems(channel, eventIds, eventSeqs, flags, timestamps, bodies, count,
            count == #flags and envelopes or nil)
    end
    return { status, count, others, overflowAt }
end

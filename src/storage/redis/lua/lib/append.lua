--[[
The body of reflect-append (see reflect-append.lua for what it stores, the
fences and the reply), shared with reflect-append-multi, which runs it for
the batches of several sender connections in one call. Two steps:
parseAppend checks and splits one batch's arguments without touching Redis,
so a call can refuse a malformed batch before it stores anything;
storeAppend stores a parsed batch and returns {status, results}.

Needs lib/queue.lua and lib/coordinator.lua included before it.
]]

-- a: channel, sender, maxCount, maxBytes, held, token, connection, items, envelopes
-- (ARGV[1..9] of reflect-append). Returns the parsed batch, or nil and why.
local function parseAppend(a)
    local p = {
        channel = a[1],
        sender = a[2],
        maxCount = tonumber(a[3]),
        maxBytes = tonumber(a[4]),
        held = a[5] == '1',
        holdToken = a[6],
        senderConnection = a[7],
        envelopes = a[9],
        flags = {},
        timestamps = {},
        times = {},
        bodies = {},
    }
    if p.maxCount == nil or p.maxBytes == nil then
        return nil, 'limits must be numbers'
    end
    -- Item i: flags[i] (decimal text), timestamps[i] (decimal text), times[i] (number), bodies[i] (bytes).
    local flags, timestamps, times, bodies, envelopes = p.flags, p.timestamps, p.times, p.bodies, p.envelopes
    local offset = 1
    for entry in string.gmatch(a[8], '[^,]+') do
        local flagText, timestamp, lengthText = string.match(entry, '^(%d+):(%d+):(%d+)$')
        if flagText == nil then
            return nil, 'items must be <flags>:<timestamp>:<length>'
        end
        local length = tonumber(lengthText)
        local i = #flags + 1
        flags[i] = flagText
        timestamps[i] = timestamp
        times[i] = tonumber(timestamp)
        bodies[i] = string.sub(envelopes, offset, offset + length - 1)
        offset = offset + length
    end
    if #flags == 0 or offset ~= #envelopes + 1 then
        return nil, 'the envelope lengths must add up to the envelopes'
    end
    return p
end

-- k: slotsKey, queueKey, countersKey, payloadsKey, heldKey, lockKey, presenceKey
-- (KEYS[1..7] of reflect-append); p: a parsed batch. Returns {status, results}.
local function storeAppend(k, p)
    local slotsKey, queueKey, countersKey, payloadsKey, heldKey, lockKey, presenceKey =
        k[1], k[2], k[3], k[4], k[5], k[6], k[7]
    local channel, sender, maxCount, maxBytes = p.channel, p.sender, p.maxCount, p.maxBytes
    local held, holdToken, senderConnection, envelopes = p.held, p.holdToken, p.senderConnection, p.envelopes
    local flags, timestamps, times, bodies = p.flags, p.timestamps, p.times, p.bodies

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

    -- Numbers go to Redis as decimal text: a Lua number would be formatted as a float (%.14g).
    local countText = string.format('%d', count)
    local results = {}
    for i = 1, count do
        results[i] = { {}, {} }
    end
    if count == 0 then
        return { status, results }
    end

    if held then
        local firstId = redis.call('HINCRBY', countersKey, 'pid', countText) - count + 1
        local fields = {}
        local entries = {}
        for i = 1, count do
            local payloadId = string.format('%d', firstId + i - 1)
            fields[#fields + 1] = payloadId
            fields[#fields + 1] = bodies[i]
            fields[#fields + 1] = payloadId .. ':m'
            fields[#fields + 1] = flags[i] .. ':' .. timestamps[i]
            fields[#fields + 1] = payloadId .. ':r'
            fields[#fields + 1] = '1'
            entries[i] = payloadId .. ':' .. sender .. ':' .. holdToken
        end
        redis.call('HSET', payloadsKey, unpack(fields))
        redis.call('RPUSH', heldKey, unpack(entries))
        return { status, results }
    end

    local members = redis.call('SMEMBERS', slotsKey)
    table.sort(members, decimalLess)
    local others = {}
    for i = 1, #members do
        if members[i] ~= sender then
            others[#others + 1] = members[i]
        end
    end
    -- Nobody to deliver to: store nothing (not even a payload id).
    if #others == 0 then
        return { status, results }
    end

    local qkeys = { slots = slotsKey, queue = queueKey, counters = countersKey, payloads = payloadsKey }
    -- The counters of every slot and the payload id counter, read with one command (and written
    -- with one below): per slot its seq, count and bytes, in the order of `others`.
    local counterFields = {}
    for j = 1, #others do
        local deviceId = others[j]
        counterFields[#counterFields + 1] = deviceId .. ':s'
        counterFields[#counterFields + 1] = deviceId .. ':n'
        counterFields[#counterFields + 1] = deviceId .. ':b'
    end
    counterFields[#counterFields + 1] = 'pid'
    local counterValues = hashGet(countersKey, counterFields)
    local firstId = (tonumber(counterValues[#counterFields]) or 0) + 1
    local payloadIds = {}
    for i = 1, count do
        payloadIds[i] = string.format('%d', firstId + i - 1)
    end

    -- Per slot: all items, or those before the one it overflows on (then it is removed, with them).
    local eventIds = {}
    local eventSeqs = {}
    local zargs = {}
    local counterUpdates = { 'pid', string.format('%d', firstId + count - 1) }
    for j = 1, #others do
        local deviceId = others[j]
        local lastSeq = tonumber(counterValues[3 * j - 2]) or 0
        local itemCount = tonumber(counterValues[3 * j - 1]) or 0
        local bytes = tonumber(counterValues[3 * j]) or 0
        local overflowAt = nil
        for i = 1, count do
            local size = #bodies[i]
            if itemCount + 1 > maxCount or bytes + size > maxBytes then
                overflowAt = i
                break
            end
            itemCount = itemCount + 1
            bytes = bytes + size
        end
        if overflowAt ~= nil then
            removeSlot(qkeys, deviceId)
            for i = 1, overflowAt - 1 do
                local recipients = results[i][1]
                recipients[#recipients + 1] = deviceId
            end
            local overflowed = results[overflowAt][2]
            overflowed[#overflowed + 1] = deviceId
        else
            local prefix = padDeviceId(deviceId) .. ':'
            for i = 1, count do
                zargs[#zargs + 1] = '0'
                zargs[#zargs + 1] = prefix .. padSeq(lastSeq + i) .. ':' .. payloadIds[i]
                local recipients = results[i][1]
                recipients[#recipients + 1] = deviceId
            end
            lastSeq = lastSeq + count
            counterUpdates[#counterUpdates + 1] = deviceId .. ':s'
            counterUpdates[#counterUpdates + 1] = string.format('%d', lastSeq)
            counterUpdates[#counterUpdates + 1] = deviceId .. ':n'
            counterUpdates[#counterUpdates + 1] = string.format('%d', itemCount)
            counterUpdates[#counterUpdates + 1] = deviceId .. ':b'
            counterUpdates[#counterUpdates + 1] = string.format('%d', bytes)
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
        for i = 1, count do
            local payloadId = payloadIds[i]
            fields[#fields + 1] = payloadId
            fields[#fields + 1] = bodies[i]
            fields[#fields + 1] = payloadId .. ':m'
            fields[#fields + 1] = flags[i] .. ':' .. timestamps[i]
            fields[#fields + 1] = payloadId .. ':r'
            fields[#fields + 1] = refsText
        end
        redis.call('HSET', payloadsKey, unpack(fields))
        -- When every item passed the fences, their envelopes are ARGV's as they came.
        publishAppendedItems(channel, eventIds, eventSeqs, flags, timestamps, bodies, count,
            count == #flags and envelopes or nil)
    end
    return { status, results }
end

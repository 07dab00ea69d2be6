--[[
The body of reflect-ack (see reflect-ack.lua for what it removes and the
reply), shared with reflect-ack-multi, which runs it for the ack batches of
several groups in one call.

Needs lib/queue.lua included before it.
]]

-- The longest range of seqs one entry may name.
local MAX_ACK_RANGE = 65536

-- The set of seqs a slot's ranges name.
local function seqSet(ranges)
    local seqs = {}
    for r = 1, #ranges, 2 do
        for seq = ranges[r], ranges[r + 1] do
            seqs[seq] = true
        end
    end
    return seqs
end

-- Applies one ack list (ARGV[1] of reflect-ack) to a group's queue; returns reflect-ack's reply.
local function applyAcks(queueKey, countersKey, payloadsKey, ackList)
    -- Items found, each once: removed with one ZREM, their payload references dropped once per payload.
    local members = {}
    -- payloadId -> { refs = references dropped, size = envelope bytes }
    local payloads = {}
    local payloadOrder = {}
    -- deviceId -> { n = items removed, b = bytes removed }
    local freed = {}
    local freedOrder = {}
    -- deviceId -> { ranges = { first, last, first, last, ... }, min =, max =, count = seqs named }
    local acked = {}
    local ackedOrder = {}
    for entry in string.gmatch(ackList, '[^,]+') do
        local deviceId, firstText = string.match(entry, '^(%d+):(%d+)$')
        local lastText = firstText
        if deviceId == nil then
            deviceId, firstText, lastText = string.match(entry, '^(%d+):(%d+)%-(%d+)$')
        end
        if deviceId == nil then
            return { -1, 'acks must be <deviceId>:<seq> or <deviceId>:<first>-<last>' }
        end
        local first, last = tonumber(firstText), tonumber(lastText)
        if last < first or last - first >= MAX_ACK_RANGE then
            return { -1, 'an ack range must run upwards over at most ' .. MAX_ACK_RANGE .. ' seqs' }
        end
        local slot = acked[deviceId]
        if slot == nil then
            acked[deviceId] = { ranges = { first, last }, min = first, max = last, count = last - first + 1 }
            ackedOrder[#ackedOrder + 1] = deviceId
        else
            local ranges = slot.ranges
            ranges[#ranges + 1] = first
            ranges[#ranges + 1] = last
            if first < slot.min then
                slot.min = first
            end
            if last > slot.max then
                slot.max = last
            end
            slot.count = slot.count + last - first + 1
        end
    end

    local function take(deviceId, member)
        members[#members + 1] = member
        local payloadId = memberPayloadId(member)
        local payload = payloads[payloadId]
        if payload == nil then
            payload = { refs = 0, size = redis.call('HSTRLEN', payloadsKey, payloadId) }
            payloads[payloadId] = payload
            payloadOrder[#payloadOrder + 1] = payloadId
        end
        payload.refs = payload.refs + 1
        local slot = freed[deviceId]
        if slot == nil then
            slot = { n = 0, b = 0 }
            freed[deviceId] = slot
            freedOrder[#freedOrder + 1] = deviceId
        end
        slot.n = slot.n + 1
        slot.b = slot.b + payload.size
    end

    for i = 1, #ackedOrder do
        local deviceId = ackedOrder[i]
        local slot = acked[deviceId]
        if #slot.ranges == 2 or slot.max - slot.min < 2 * slot.count + 8 then
            -- Dense (acks mostly come in order): one range read, keeping the acked seqs (all of them
            -- when the slot's acks are one range).
            local padded = padDeviceId(deviceId)
            local found = redis.call('ZRANGEBYLEX', queueKey, string.format('[%s:%016d', padded, slot.min),
                string.format('(%s:%016d;', padded, slot.max))
            if #slot.ranges == 2 then
                for j = 1, #found do
                    take(deviceId, found[j])
                end
            else
                local seqs = seqSet(slot.ranges)
                for j = 1, #found do
                    if seqs[memberSeq(found[j])] then
                        take(deviceId, found[j])
                    end
                end
            end
        else
            for seq in pairs(seqSet(slot.ranges)) do
                local prefix = padDeviceId(deviceId) .. ':' .. padSeq(seq) .. ':'
                local found = redis.call('ZRANGEBYLEX', queueKey, '[' .. prefix, '(' .. prefix .. ';', 'LIMIT', 0, 1)
                if found[1] ~= nil then
                    take(deviceId, found[1])
                end
            end
        end
    end
    chunked('ZREM', queueKey, members)
    -- Reference counts and slot counters: each read with one command and written with one (a payload
    -- whose last reference went is deleted instead).
    if #payloadOrder > 0 then
        local refFields = {}
        for i = 1, #payloadOrder do
            refFields[i] = payloadOrder[i] .. ':r'
        end
        local refValues = hashGet(payloadsKey, refFields)
        local keep = {}
        local drop = {}
        for i = 1, #payloadOrder do
            local payloadId = payloadOrder[i]
            local refs = (tonumber(refValues[i]) or 0) - payloads[payloadId].refs
            if refs > 0 then
                keep[#keep + 1] = refFields[i]
                keep[#keep + 1] = string.format('%d', refs)
            else
                drop[#drop + 1] = payloadId
                drop[#drop + 1] = payloadId .. ':m'
                drop[#drop + 1] = refFields[i]
            end
        end
        chunked('HSET', payloadsKey, keep)
        chunked('HDEL', payloadsKey, drop)
    end
    if #freedOrder > 0 then
        local counterFields = {}
        for i = 1, #freedOrder do
            counterFields[#counterFields + 1] = freedOrder[i] .. ':n'
            counterFields[#counterFields + 1] = freedOrder[i] .. ':b'
        end
        local counterValues = hashGet(countersKey, counterFields)
        local updates = {}
        for i = 1, #freedOrder do
            local slot = freed[freedOrder[i]]
            updates[#updates + 1] = counterFields[2 * i - 1]
            updates[#updates + 1] = string.format('%d', (tonumber(counterValues[2 * i - 1]) or 0) - slot.n)
            updates[#updates + 1] = counterFields[2 * i]
            updates[#updates + 1] = string.format('%d', (tonumber(counterValues[2 * i]) or 0) - slot.b)
        end
        chunked('HSET', countersKey, updates)
    end
    return { 0, #members }
end

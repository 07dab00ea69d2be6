--[[
Shared helpers of the reflection queue scripts. Not a script of its own: the
loader (scripts.ts) pastes it where a script says `--@include lib/queue.lua`.

Queue items of all slots of a group live in one ZSET (score 0, ordered by
member), member = <deviceId, 20 digits>:<seq, 16 digits>:<payloadId>, so one
slot's items are one contiguous lex range in seq order.

`qkeys` is a table { slots =, queue =, counters =, payloads = } of key names.
]]

local DEVICE_ID_WIDTH = 20
-- Member offsets: seq at 22..37, payload id from 39.
local SEQ_FIRST = DEVICE_ID_WIDTH + 2
local SEQ_LAST = DEVICE_ID_WIDTH + 17
local PAYLOAD_ID_FIRST = DEVICE_ID_WIDTH + 19

local function padDeviceId(deviceId)
    return string.rep('0', DEVICE_ID_WIDTH - #deviceId) .. deviceId
end

local function padSeq(seq)
    return string.format('%016d', seq)
end

local function itemMember(deviceId, seq, payloadId)
    return padDeviceId(deviceId) .. ':' .. padSeq(seq) .. ':' .. payloadId
end

-- Inclusive lex bound of the slot's first item with seq >= fromSeq.
local function slotRangeFrom(deviceId, fromSeq)
    return '[' .. padDeviceId(deviceId) .. ':' .. padSeq(fromSeq)
end

-- Inclusive lex bound before every item of the slot.
local function slotRangeStart(deviceId)
    return '[' .. padDeviceId(deviceId) .. ':'
end

-- Exclusive lex bound after every item of the slot (';' follows ':').
local function slotRangeEnd(deviceId)
    return '(' .. padDeviceId(deviceId) .. ';'
end

local function memberSeq(member)
    return tonumber(string.sub(member, SEQ_FIRST, SEQ_LAST))
end

local function memberPayloadId(member)
    return string.sub(member, PAYLOAD_ID_FIRST)
end

-- Arguments per command of `chunked` and `hashGet` (even: pairs stay together; unpack has a limit).
local CHUNK = 1000

-- `command key args...` for the arguments in chunks (nothing when there are none).
local function chunked(command, key, args)
    for i = 1, #args, CHUNK do
        redis.call(command, key, unpack(args, i, math.min(i + CHUNK - 1, #args)))
    end
end

-- HMGET of any number of fields: their values in order (false for a missing one).
local function hashGet(key, fields)
    if #fields <= CHUNK then
        return redis.call('HMGET', key, unpack(fields))
    end
    local values = {}
    for i = 1, #fields, CHUNK do
        local part = redis.call('HMGET', key, unpack(fields, i, math.min(i + CHUNK - 1, #fields)))
        for k = 1, #part do
            values[#values + 1] = part[k]
        end
    end
    return values
end

-- Numeric order of canonical decimal strings (device ids do not fit a Lua number).
local function decimalLess(a, b)
    if #a ~= #b then
        return #a < #b
    end
    return a < b
end

-- Drops `count` references to a payload; deletes it at zero.
local function unrefPayload(qkeys, payloadId, count)
    local refs = redis.call('HINCRBY', qkeys.payloads, payloadId .. ':r', string.format('%d', -count))
    if refs <= 0 then
        redis.call('HDEL', qkeys.payloads, payloadId, payloadId .. ':m', payloadId .. ':r')
    end
end

-- Removes a slot from the fan-out with its queue and counters. Returns 1 when it was a member.
local function removeSlot(qkeys, deviceId)
    local first = slotRangeStart(deviceId)
    local last = slotRangeEnd(deviceId)
    local members = redis.call('ZRANGEBYLEX', qkeys.queue, first, last)
    for i = 1, #members do
        unrefPayload(qkeys, memberPayloadId(members[i]), 1)
    end
    if #members > 0 then
        redis.call('ZREMRANGEBYLEX', qkeys.queue, first, last)
    end
    redis.call('HDEL', qkeys.counters, deviceId .. ':s', deviceId .. ':n', deviceId .. ':b')
    return redis.call('SREM', qkeys.slots, deviceId)
end

--[[
Queues payload `payloadId` (`size` bytes) for every member except `sender`.
A member that would exceed maxCount items or maxBytes bytes is removed
instead. Appends to `recipients` and `overflowed`; returns the number of new
references (the caller adds them to the payload's count).
]]
local function fanOut(qkeys, sender, payloadId, size, maxCount, maxBytes, recipients, overflowed, seqs)
    local members = redis.call('SMEMBERS', qkeys.slots)
    table.sort(members, decimalLess)
    local added = 0
    for i = 1, #members do
        local deviceId = members[i]
        if deviceId ~= sender then
            local counts = redis.call('HMGET', qkeys.counters, deviceId .. ':n', deviceId .. ':b')
            local count = tonumber(counts[1]) or 0
            local bytes = tonumber(counts[2]) or 0
            if count + 1 > maxCount or bytes + size > maxBytes then
                removeSlot(qkeys, deviceId)
                overflowed[#overflowed + 1] = deviceId
            else
                local seq = redis.call('HINCRBY', qkeys.counters, deviceId .. ':s', 1)
                redis.call('ZADD', qkeys.queue, 0, itemMember(deviceId, seq, payloadId))
                redis.call('HINCRBY', qkeys.counters, deviceId .. ':n', 1)
                redis.call('HINCRBY', qkeys.counters, deviceId .. ':b', size)
                recipients[#recipients + 1] = deviceId
                if seqs ~= nil then
                    seqs[deviceId] = seq
                end
                added = added + 1
            end
        end
    end
    return added
end

-- Publishes the `appended` event (see bus-codec.ts) when any slot received items, with
-- each slot's newest seq (from `seqs`, device id -> seq, else read from the counters).
-- `item` ({ flags =, timestamp =, envelope = }, decimal strings and bytes), when given, is
-- the one item every slot received: the event carries it in the binary form
-- 0x01 | u32 big-endian header length | header JSON ["a", ids, seqs, flags, "timestamp"] | envelope.
local function publishAppended(channel, counters, deviceIds, seqs, item)
    if #deviceIds > 0 then
        local newest = {}
        for i = 1, #deviceIds do
            local seq = seqs ~= nil and seqs[deviceIds[i]] or nil
            newest[i] = seq or tonumber(redis.call('HGET', counters, deviceIds[i] .. ':s')) or 0
        end
        if item == nil then
            redis.call('SPUBLISH', channel, cjson.encode({ 'a', deviceIds, newest }))
        else
            local header = cjson.encode({ 'a', deviceIds, newest, tonumber(item.flags), item.timestamp })
            redis.call('SPUBLISH', channel, '\1' .. struct.pack('>I4', #header) .. header .. item.envelope)
        end
    end
end

-- Publishes the `appended` event of a batch of `count` items that each of `deviceIds` received
-- (in order, the last one with seq `seqs[i]`; item k of n has seq seqs[i] - n + k). Items are
-- `flags[k]`, `timestamps[k]` (decimal strings) and `bodies[k]` (bytes). One item travels in the
-- form of publishAppended; more in the binary form 0x02 | u32 big-endian header length |
-- header JSON ["a", ids, seqs, [flags, ...], ["timestamp", ...], [envelope length, ...]] |
-- the envelopes, concatenated. The header is written directly (every value is decimal text).
-- `joined`, when given, is the `count` envelopes already concatenated (then not built again).
local function publishAppendedItems(channel, deviceIds, seqs, flags, timestamps, bodies, count, joined)
    local seqTexts = {}
    for i = 1, #deviceIds do
        seqTexts[i] = string.format('%d', seqs[i])
    end
    local head = '["a",["' .. table.concat(deviceIds, '","') .. '"],[' .. table.concat(seqTexts, ',') .. '],'
    if count == 1 then
        local header = head .. string.format('%d', tonumber(flags[1])) .. ',"' .. timestamps[1] .. '"]'
        redis.call('SPUBLISH', channel, '\1' .. struct.pack('>I4', #header) .. header .. bodies[1])
        return
    end
    local flagTexts = {}
    local lengths = {}
    for k = 1, count do
        flagTexts[k] = string.format('%d', tonumber(flags[k]))
        lengths[k] = string.format('%d', #bodies[k])
    end
    local header = head
        .. '['
        .. table.concat(flagTexts, ',')
        .. '],["'
        .. table.concat(timestamps, '","', 1, count)
        .. '"],['
        .. table.concat(lengths, ',')
        .. ']]'
    local envelopes = joined or table.concat(bodies, '', 1, count)
    redis.call('SPUBLISH', channel, '\2' .. struct.pack('>I4', #header) .. header .. envelopes)
end

-- The step of slot-remove (see there): removes the slot (removeSlot); when the group then has no
-- member and nothing held, its queue keys go too. Returns 1 when the slot was a member.
local function clearSlot(qkeys, heldKey, deviceId)
    local removed = removeSlot(qkeys, deviceId)
    -- Nothing references a payload any more: drop the payload id counter too.
    if redis.call('SCARD', qkeys.slots) == 0 and redis.call('LLEN', heldKey) == 0 then
        redis.call('DEL', qkeys.queue, qkeys.counters, qkeys.payloads)
    end
    return removed
end

-- The step of queue-stats (see there): count, bytes and the timestamp of the first (lowest seq)
-- item of a slot's queue (-1 when it is empty).
local function slotStats(qkeys, deviceId)
    local counts = redis.call('HMGET', qkeys.counters, deviceId .. ':n', deviceId .. ':b')
    local first = redis.call('ZRANGEBYLEX', qkeys.queue, slotRangeStart(deviceId), slotRangeEnd(deviceId), 'LIMIT', 0, 1)
    local oldest = -1
    if first[1] ~= nil then
        local meta = redis.call('HGET', qkeys.payloads, memberPayloadId(first[1]) .. ':m')
        if meta then
            oldest = tonumber(string.match(meta, ':(%d+)$'))
        end
    end
    return tonumber(counts[1]) or 0, tonumber(counts[2]) or 0, oldest
end

-- The step of held-stale (see there): the tokens with held items other than `current` (the
-- token of the unexpired lock, or nil), in order of their first held item, appended to `reply`.
-- Returns nil, or the first held entry that could not be parsed.
local function staleHeldTokens(heldKey, current, reply)
    local entries = redis.call('LRANGE', heldKey, 0, -1)
    local seen = {}
    for i = 1, #entries do
        local token = string.match(entries[i], '^%d+:%d+:(.*)$')
        if token == nil then
            return entries[i]
        end
        if token ~= current and not seen[token] then
            seen[token] = true
            reply[#reply + 1] = token
        end
    end
    return nil
end

-- The token of the group's lock while it is unexpired at `now`, else nil (`t` and `e` as stored).
local function currentLockToken(token, expiresAt, now)
    if token and tonumber(expiresAt) ~= nil and tonumber(expiresAt) > now then
        return token
    end
    return nil
end

--[[
reflect-append: stores a batch of reflections of one sender connection, in
order, each for every member slot except the sender, or holds them for a
transaction. One call does for N items what N calls of one item would do,
item after item (the same results, the same stored state), with the checks
and reads done once: the presence, the lock and the membership are read once,
the counters of every slot (and the payload id counter) are read with one
HMGET and written with one HSET, every slot's items are added with one ZADD,
and one `appended` event carries every item. Few commands per call keep the
script's own work and what it propagates to the append-only file small.

The append is fenced on the sender's connection: when one is named, an item
is stored only while it is the sender slot's current presence, unexpired at
the item's timestamp (an append that reaches Redis late, after its node was
cut off and the device sent newer reflections from another connection, must
not land after them). Held items are fenced too: each is stored only while
its token is the group's current lock, unexpired at the item's timestamp
(read from the lock key in this same step). The first item that fails a
fence is not stored, nor is any item after it; the items before it are.
Each payload is stored once with a reference count. A slot an item would take
beyond its limits is removed instead (reported as overflowed for that item;
it receives no later item). The `appended` event is published in the same
step, so no item is visible without its event; it carries the items, so
receivers that are up to date deliver them without reading their queue.

KEYS[1] slotsKey     SET of member device ids
KEYS[2] queueKey     ZSET of queued items (see lib/queue.lua)
KEYS[3] countersKey  HASH of per-slot counters and the payload id counter
KEYS[4] payloadsKey  HASH of payloads and reference counts
KEYS[5] heldKey      LIST of held items `<pid>:<sender>:<token>`
KEYS[6] lockKey      HASH transaction lock (see lock-begin.lua): t = token, e = expiresAt
KEYS[7] presenceKey  HASH device id → presence JSON (see lib/coordinator.lua)
ARGV[1] channel      the group's bus channel (same hash tag)
ARGV[2] sender       decimal u64 device id of the sender
ARGV[3] maxCount     decimal item limit per slot
ARGV[4] maxBytes     decimal byte limit per slot
ARGV[5] held         '1': hold the items for the transaction token; '0': deliver now
ARGV[6] token        transaction token (when held)
ARGV[7] connection   the sender's connection id; '' skips the presence check
ARGV[8] items        per item `<flags>:<timestamp>:<envelope length>`, separated by ','
                     (decimal u16 flags, decimal Unix ms timestamp, also the clock the
                     presence's and a held item's lock expiry are compared with)
ARGV[9] envelopes    the items' envelopes, concatenated in order

Returns {status, results}
  results: per item stored, in order, {recipients, overflowed}: the device ids
  that received it (empty when held) and those removed for exceeding their limits.
  0 OK            every item was stored
  4 LOCK_LOST     (held only) item #results + 1 was refused: its token is not the
                  current unexpired lock; it and the items after it were not stored
  5 PRESENCE_LOST item #results + 1 was refused: the connection is not the sender's
                  current unexpired presence; it and the items after it were not stored
  -1 BAD_ARGUMENT a limit or an item is malformed (nothing stored)
]]
local slotsKey = KEYS[1] -- SET
local queueKey = KEYS[2] -- ZSET
local countersKey = KEYS[3] -- HASH
local payloadsKey = KEYS[4] -- HASH
local heldKey = KEYS[5] -- LIST
local lockKey = KEYS[6] -- HASH
local presenceKey = KEYS[7] -- HASH
local channel = ARGV[1] -- string
local sender = ARGV[2] -- decimal string
local maxCount = tonumber(ARGV[3]) -- number
local maxBytes = tonumber(ARGV[4]) -- number
local held = ARGV[5] == '1' -- boolean
local holdToken = ARGV[6] -- string
local senderConnection = ARGV[7] -- string
local itemList = ARGV[8] -- '<flags>:<timestamp>:<length>' per item, ','-separated
local envelopes = ARGV[9] -- bytes

--@include lib/queue.lua
--@include lib/coordinator.lua

if maxCount == nil or maxBytes == nil then
    return { -1, 'limits must be numbers' }
end

-- Item i: flags[i] (decimal text), timestamps[i] (decimal text), times[i] (number), bodies[i] (bytes).
local flags = {}
local timestamps = {}
local times = {}
local bodies = {}
local offset = 1
for entry in string.gmatch(itemList, '[^,]+') do
    local flagText, timestamp, lengthText = string.match(entry, '^(%d+):(%d+):(%d+)$')
    if flagText == nil then
        return { -1, 'items must be <flags>:<timestamp>:<length>' }
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
    return { -1, 'the envelope lengths must add up to the envelopes' }
end

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

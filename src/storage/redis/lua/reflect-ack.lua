--[[
reflect-ack: removes items from slots' queues by seq (acks may come in any
order, and a batch of them, of several slots of the group, in one call) and
drops their payload references (once per payload and call); a payload is
deleted with its last reference. A seq with no item (unknown, or already removed, also earlier in
the same list) changes nothing. The items go with one ZREM; the reference counts and the slots'
counters are each read with one HMGET and written with one HSET (and one HDEL for the payloads
that lost their last reference), whatever the number of slots and payloads.

KEYS[1] queueKey     ZSET of queued items (see lib/queue.lua)
KEYS[2] countersKey  HASH of per-slot counters
KEYS[3] payloadsKey  HASH of payloads and reference counts
ARGV[1] acks         `<deviceId>:<seq>` pairs (decimal u64, decimal >= 1) separated by ','

Returns {status, removed}
  0 OK              removed: how many of the listed items existed and are gone
  -1 BAD_ARGUMENT   the list is malformed
]]
local queueKey = KEYS[1] -- ZSET
local countersKey = KEYS[2] -- HASH
local payloadsKey = KEYS[3] -- HASH
local ackList = ARGV[1] -- '<deviceId>:<seq>' pairs separated by ','

--@include lib/queue.lua

-- Items found, each once: removed with one ZREM, their payload references dropped once per payload.
local members = {}
-- payloadId -> { refs = references dropped, size = envelope bytes }
local payloads = {}
local payloadOrder = {}
-- deviceId -> { n = items removed, b = bytes removed }
local freed = {}
local freedOrder = {}
-- deviceId -> { seqs = set of acked seqs, min =, max =, count = distinct seqs }
local acked = {}
local ackedOrder = {}
for entry in string.gmatch(ackList, '[^,]+') do
    local deviceId, seqText = string.match(entry, '^(%d+):(%d+)$')
    if deviceId == nil then
        return { -1, 'acks must be <deviceId>:<seq> pairs' }
    end
    local seq = tonumber(seqText)
    local slot = acked[deviceId]
    if slot == nil then
        slot = { seqs = {}, min = seq, max = seq, count = 0 }
        acked[deviceId] = slot
        ackedOrder[#ackedOrder + 1] = deviceId
    end
    if not slot.seqs[seq] then
        slot.seqs[seq] = true
        slot.count = slot.count + 1
        slot.min = math.min(slot.min, seq)
        slot.max = math.max(slot.max, seq)
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
    if slot.max - slot.min < 2 * slot.count + 8 then
        -- Dense (acks mostly come in order): one range read, keeping the acked seqs.
        local padded = padDeviceId(deviceId)
        local found = redis.call('ZRANGEBYLEX', queueKey, string.format('[%s:%016d', padded, slot.min),
            string.format('(%s:%016d;', padded, slot.max))
        for j = 1, #found do
            if slot.seqs[memberSeq(found[j])] then
                take(deviceId, found[j])
            end
        end
    else
        for seq in pairs(slot.seqs) do
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

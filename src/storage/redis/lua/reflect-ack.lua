--[[
reflect-ack: removes items from slots' queues by seq (acks may come in any
order, and a batch of them, of several slots of the group, in one call) and
drops their payload references; a payload is deleted with its last
reference. A seq with no item (unknown, or already removed, also earlier in
the same list) changes nothing.

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

local qkeys = { payloads = payloadsKey }
local removed = 0
-- deviceId -> { n = items removed, b = bytes removed }
local freed = {}
local freedOrder = {}
for entry in string.gmatch(ackList, '[^,]+') do
    local deviceId, seqText = string.match(entry, '^(%d+):(%d+)$')
    if deviceId == nil then
        return { -1, 'acks must be <deviceId>:<seq> pairs' }
    end
    local prefix = padDeviceId(deviceId) .. ':' .. padSeq(tonumber(seqText)) .. ':'
    local found = redis.call('ZRANGEBYLEX', queueKey, '[' .. prefix, '(' .. prefix .. '\255', 'LIMIT', 0, 1)
    local member = found[1]
    if member ~= nil then
        local payloadId = memberPayloadId(member)
        local size = redis.call('HSTRLEN', payloadsKey, payloadId)
        redis.call('ZREM', queueKey, member)
        unrefPayload(qkeys, payloadId, 1)
        local slot = freed[deviceId]
        if slot == nil then
            slot = { n = 0, b = 0 }
            freed[deviceId] = slot
            freedOrder[#freedOrder + 1] = deviceId
        end
        slot.n = slot.n + 1
        slot.b = slot.b + size
        removed = removed + 1
    end
end
for i = 1, #freedOrder do
    local deviceId = freedOrder[i]
    redis.call('HINCRBY', countersKey, deviceId .. ':n', -freed[deviceId].n)
    redis.call('HINCRBY', countersKey, deviceId .. ':b', -freed[deviceId].b)
end
return { 0, removed }

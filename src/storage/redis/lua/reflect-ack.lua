--[[
reflect-ack: removes items of one slot's queue by seq (acks may come in any
order, and a batch of them in one call) and drops their payload references;
a payload is deleted with its last reference. A seq with no item (unknown,
or already removed, also earlier in the same list) changes nothing.

KEYS[1] queueKey     ZSET of queued items (see lib/queue.lua)
KEYS[2] countersKey  HASH of per-slot counters
KEYS[3] payloadsKey  HASH of payloads and reference counts
ARGV[1] deviceId     decimal u64
ARGV[2] seqs         decimal seqs (>= 1) separated by ','; at least one

Returns {status, removed}
  0 OK              removed: how many of the listed items existed and are gone
  -1 BAD_ARGUMENT   a seq is not a number
]]
local queueKey = KEYS[1] -- ZSET
local countersKey = KEYS[2] -- HASH
local payloadsKey = KEYS[3] -- HASH
local deviceId = ARGV[1] -- decimal string
local seqList = ARGV[2] -- decimal strings separated by ','

--@include lib/queue.lua

local seqs = {}
for text in string.gmatch(seqList, '[^,]+') do
    local seq = tonumber(text)
    if seq == nil then
        return { -1, 'seqs must be numbers' }
    end
    seqs[#seqs + 1] = seq
end

local removed = 0
local bytes = 0
local qkeys = { payloads = payloadsKey }
for i = 1, #seqs do
    local prefix = padDeviceId(deviceId) .. ':' .. padSeq(seqs[i]) .. ':'
    local found = redis.call('ZRANGEBYLEX', queueKey, '[' .. prefix, '(' .. prefix .. '\255', 'LIMIT', 0, 1)
    local member = found[1]
    if member ~= nil then
        local payloadId = memberPayloadId(member)
        bytes = bytes + redis.call('HSTRLEN', payloadsKey, payloadId)
        redis.call('ZREM', queueKey, member)
        unrefPayload(qkeys, payloadId, 1)
        removed = removed + 1
    end
end
if removed > 0 then
    redis.call('HINCRBY', countersKey, deviceId .. ':n', -removed)
    redis.call('HINCRBY', countersKey, deviceId .. ':b', -bytes)
end
return { 0, removed }

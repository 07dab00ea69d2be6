--[[
reflect-ack: removes one item of a slot's queue by seq (acks may come in any
order) and drops its payload reference; the payload is deleted with its last
reference.

KEYS[1] queueKey     ZSET of queued items (see lib/queue.lua)
KEYS[2] countersKey  HASH of per-slot counters
KEYS[3] payloadsKey  HASH of payloads and reference counts
ARGV[1] deviceId     decimal u64
ARGV[2] seq          decimal, >= 1

Returns {status}
  0 OK              the item existed and is gone
  1 NOT_FOUND       no such item (nothing changed)
  -1 BAD_ARGUMENT   seq is not a number
]]
local queueKey = KEYS[1] -- ZSET
local countersKey = KEYS[2] -- HASH
local payloadsKey = KEYS[3] -- HASH
local deviceId = ARGV[1] -- decimal string
local seq = tonumber(ARGV[2]) -- number

--@include lib/queue.lua

if seq == nil then
    return { -1, 'seq must be a number' }
end

local prefix = padDeviceId(deviceId) .. ':' .. padSeq(seq) .. ':'
local found = redis.call('ZRANGEBYLEX', queueKey, '[' .. prefix, '(' .. prefix .. '\255', 'LIMIT', 0, 1)
local member = found[1]
if member == nil then
    return { 1 }
end
local payloadId = memberPayloadId(member)
local size = redis.call('HSTRLEN', payloadsKey, payloadId)
redis.call('ZREM', queueKey, member)
redis.call('HINCRBY', countersKey, deviceId .. ':n', -1)
redis.call('HINCRBY', countersKey, deviceId .. ':b', -size)
unrefPayload({ payloads = payloadsKey }, payloadId, 1)
return { 0 }

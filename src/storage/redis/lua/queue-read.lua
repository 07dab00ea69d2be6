--[[
queue-read: items of one slot with seq > afterSeq, in seq order, at most
maxItems, and no more than maxBytes envelope bytes (but at least one item
when any exists).

KEYS[1] queueKey     ZSET of queued items (see lib/queue.lua)
KEYS[2] payloadsKey  HASH of payloads
ARGV[1] deviceId     decimal u64
ARGV[2] afterSeq     decimal, >= 0
ARGV[3] maxItems     decimal, >= 1, or -1 for no item limit
ARGV[4] maxBytes     decimal, >= 0

Returns {status, seq1, flags1, timestamp1, envelope1, seq2, ...}
  0 OK              four elements per item
  -1 BAD_ARGUMENT   a number argument is not a number
  -2 CORRUPT_STATE  a queued item references a missing payload
]]
local queueKey = KEYS[1] -- ZSET
local payloadsKey = KEYS[2] -- HASH
local deviceId = ARGV[1] -- decimal string
local afterSeq = tonumber(ARGV[2]) -- number
local maxItems = tonumber(ARGV[3]) -- number
local maxBytes = tonumber(ARGV[4]) -- number

--@include lib/queue.lua

if afterSeq == nil or maxItems == nil or maxBytes == nil then
    return { -1, 'afterSeq, maxItems and maxBytes must be numbers' }
end

local members = redis.call(
    'ZRANGEBYLEX', queueKey, slotRangeFrom(deviceId, afterSeq + 1), slotRangeEnd(deviceId), 'LIMIT', 0, maxItems
)
local reply = { 0 }
local bytes = 0
for i = 1, #members do
    local payloadId = memberPayloadId(members[i])
    local stored = redis.call('HMGET', payloadsKey, payloadId, payloadId .. ':m')
    local envelope = stored[1]
    if not envelope or not stored[2] then
        return { -2, 'missing payload ' .. payloadId }
    end
    bytes = bytes + #envelope
    if i > 1 and bytes > maxBytes then
        break
    end
    local flags, timestamp = string.match(stored[2], '^(%d+):(%d+)$')
    reply[#reply + 1] = memberSeq(members[i])
    reply[#reply + 1] = tonumber(flags)
    reply[#reply + 1] = tonumber(timestamp)
    reply[#reply + 1] = envelope
end
return reply

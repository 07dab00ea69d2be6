--[[
reflect-release: moves every item held for a transaction token, in append
order, to the queues of the members other than its sender (limits apply as
in reflect-append; each item keeps its original timestamp). Publishes one
`appended` event for all slots that received items. Idempotent: a second
call finds nothing held.

KEYS[1] slotsKey     SET of member device ids
KEYS[2] queueKey     ZSET of queued items (see lib/queue.lua)
KEYS[3] countersKey  HASH of per-slot counters
KEYS[4] payloadsKey  HASH of payloads and reference counts
KEYS[5] heldKey      LIST of held items `<pid>:<sender>:<token>`
ARGV[1] channel      the group's bus channel (same hash tag)
ARGV[2] token        transaction token
ARGV[3] maxCount     decimal item limit per slot
ARGV[4] maxBytes     decimal byte limit per slot

Returns {status, released, overflowed}
  0 OK            released: number of items moved; overflowed: device ids removed
  -1 BAD_ARGUMENT a limit is not a number
  -2 CORRUPT_STATE a held entry could not be parsed
]]
local slotsKey = KEYS[1] -- SET
local queueKey = KEYS[2] -- ZSET
local countersKey = KEYS[3] -- HASH
local payloadsKey = KEYS[4] -- HASH
local heldKey = KEYS[5] -- LIST
local channel = ARGV[1] -- string
local token = ARGV[2] -- string
local maxCount = tonumber(ARGV[3]) -- number
local maxBytes = tonumber(ARGV[4]) -- number

--@include lib/queue.lua

if maxCount == nil or maxBytes == nil then
    return { -1, 'limits must be numbers' }
end

local qkeys = { slots = slotsKey, queue = queueKey, counters = countersKey, payloads = payloadsKey }
local entries = redis.call('LRANGE', heldKey, 0, -1)
local kept = {}
local released = 0
local received = {}
local overflowed = {}
for i = 1, #entries do
    local payloadId, sender, entryToken = string.match(entries[i], '^(%d+):(%d+):(.*)$')
    if payloadId == nil then
        return { -2, 'held entry ' .. entries[i] }
    end
    if entryToken == token then
        released = released + 1
        local size = redis.call('HSTRLEN', payloadsKey, payloadId)
        local recipients = {}
        local added = fanOut(qkeys, sender, payloadId, size, maxCount, maxBytes, recipients, overflowed)
        if added > 0 then
            redis.call('HINCRBY', payloadsKey, payloadId .. ':r', added)
        end
        -- The held list's own reference.
        unrefPayload(qkeys, payloadId, 1)
        for j = 1, #recipients do
            received[recipients[j]] = true
        end
    else
        kept[#kept + 1] = entries[i]
    end
end

if released > 0 then
    redis.call('DEL', heldKey)
    for i = 1, #kept, 1000 do
        redis.call('RPUSH', heldKey, unpack(kept, i, math.min(i + 999, #kept)))
    end
end

-- A slot that overflowed on a later item has no queue left to read.
local recipients = {}
for deviceId in pairs(received) do
    if redis.call('SISMEMBER', slotsKey, deviceId) == 1 then
        recipients[#recipients + 1] = deviceId
    end
end
table.sort(recipients, decimalLess)
publishAppended(channel, countersKey, recipients, nil)
return { 0, released, overflowed }

--[[
reflect-append: stores one reflection for every member slot except the
sender, or holds it for a transaction. The append is fenced on the sender's
connection: when one is named, nothing is stored unless it is the sender
slot's current presence, unexpired at the timestamp (an append that reaches
Redis late, after its node was cut off and the device sent newer reflections
from another connection, must not land after them). A held item is fenced too: it is stored
only while its token is the group's current, unexpired lock (read from the
lock key in this same step); otherwise nothing is stored. The payload is stored once with a
reference count. A slot the item would take beyond its limits is removed
instead (reported as overflowed). The `appended` event is published in the
same step, so no item is visible without its event; it carries the item, so
receivers that are up to date deliver it without reading their queue.

KEYS[1] slotsKey     SET of member device ids
KEYS[2] queueKey     ZSET of queued items (see lib/queue.lua)
KEYS[3] countersKey  HASH of per-slot counters and the payload id counter
KEYS[4] payloadsKey  HASH of payloads and reference counts
KEYS[5] heldKey      LIST of held items `<pid>:<sender>:<token>`
KEYS[6] lockKey      HASH transaction lock (see lock-begin.lua): t = token, e = expiresAt
KEYS[7] presenceKey  HASH device id → presence JSON (see lib/coordinator.lua)
ARGV[1] channel      the group's bus channel (same hash tag)
ARGV[2] sender       decimal u64 device id of the sender
ARGV[3] flags        decimal u16 reflect flags
ARGV[4] timestamp    decimal Unix ms (also the clock a held item's lock expiry is compared with)
ARGV[5] envelope     bytes
ARGV[6] maxCount     decimal item limit per slot
ARGV[7] maxBytes     decimal byte limit per slot
ARGV[8] held         '1': hold the item for the transaction token; '0': deliver now
ARGV[9] token        transaction token (when held)
ARGV[10] connection  the sender's connection id; '' skips the presence check

Returns {status, recipients, overflowed}
  0 OK            recipients: device ids that received the item (empty when held);
                  overflowed: device ids removed for exceeding their limits
  4 LOCK_LOST     (held only) the token is not the current unexpired lock: nothing stored
  5 PRESENCE_LOST the connection is not the sender's current unexpired presence: nothing stored
  -1 BAD_ARGUMENT a limit or the timestamp is not a number
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
local flags = ARGV[3] -- decimal string
local timestamp = ARGV[4] -- decimal string
local envelope = ARGV[5] -- bytes
local maxCount = tonumber(ARGV[6]) -- number
local maxBytes = tonumber(ARGV[7]) -- number
local held = ARGV[8] == '1' -- boolean
local holdToken = ARGV[9] -- string
local senderConnection = ARGV[10] -- string

--@include lib/queue.lua
--@include lib/coordinator.lua

if maxCount == nil or maxBytes == nil or tonumber(timestamp) == nil then
    return { -1, 'limits and timestamp must be numbers' }
end

if senderConnection ~= '' then
    local json = redis.call('HGET', presenceKey, sender)
    local presence = json and decodePresence(json) or nil
    if presence == nil or presence.c ~= senderConnection or not isAlive(presence, tonumber(timestamp)) then
        return { 5 }
    end
end

if held then
    local lock = redis.call('HMGET', lockKey, 't', 'e')
    if lock[1] ~= holdToken or tonumber(lock[2]) == nil or tonumber(lock[2]) <= tonumber(timestamp) then
        return { 4 }
    end
end

-- Nobody to deliver to: store nothing (not even a payload id).
if not held and redis.call('SCARD', slotsKey) - redis.call('SISMEMBER', slotsKey, sender) == 0 then
    return { 0, {}, {} }
end

local qkeys = { slots = slotsKey, queue = queueKey, counters = countersKey, payloads = payloadsKey }
local payloadId = string.format('%d', redis.call('HINCRBY', countersKey, 'pid', 1))

if held then
    redis.call('HSET', payloadsKey, payloadId, envelope, payloadId .. ':m', flags .. ':' .. timestamp, payloadId .. ':r', 1)
    redis.call('RPUSH', heldKey, payloadId .. ':' .. sender .. ':' .. holdToken)
    return { 0, {}, {} }
end

local recipients = {}
local overflowed = {}
local seqs = {}
local refs = fanOut(qkeys, sender, payloadId, #envelope, maxCount, maxBytes, recipients, overflowed, seqs)
if refs > 0 then
    redis.call('HSET', payloadsKey, payloadId, envelope, payloadId .. ':m', flags .. ':' .. timestamp, payloadId .. ':r', refs)
end
local item = { flags = flags, timestamp = timestamp, envelope = envelope }
publishAppended(channel, countersKey, recipients, seqs, item)
return { 0, recipients, overflowed }

--[[
queue-stats: count and bytes of a slot's queue, and the timestamp of its
first (lowest seq) unacknowledged item.

KEYS[1] queueKey     ZSET of queued items (see lib/queue.lua)
KEYS[2] countersKey  HASH of per-slot counters
KEYS[3] payloadsKey  HASH of payloads
ARGV[1] deviceId     decimal u64

Returns {status, count, bytes, oldestTimestamp}
  0 OK   oldestTimestamp is -1 when the queue is empty
]]
local queueKey = KEYS[1] -- ZSET
local countersKey = KEYS[2] -- HASH
local payloadsKey = KEYS[3] -- HASH
local deviceId = ARGV[1] -- decimal string

--@include lib/queue.lua

local qkeys = { queue = queueKey, counters = countersKey, payloads = payloadsKey }
local count, bytes, oldest = slotStats(qkeys, deviceId)
return { 0, count, bytes, oldest }

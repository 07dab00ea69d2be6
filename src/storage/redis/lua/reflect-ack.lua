--[[
reflect-ack: removes items from slots' queues by seq (acks may come in any
order, and a batch of them, of several slots of the group, in one call) and
drops their payload references (once per payload and call); a payload is
deleted with its last reference. A seq with no item (unknown, or already removed, also earlier in
the same list) changes nothing. The items go with one ZREM; the reference counts and the slots'
counters are each read with one HMGET and written with one HSET (and one HDEL for the payloads
that lost their last reference), whatever the number of slots and payloads.
The work itself is lib/ack.lua, shared with reflect-ack-multi.

KEYS[1] queueKey     ZSET of queued items (see lib/queue.lua)
KEYS[2] countersKey  HASH of per-slot counters
KEYS[3] payloadsKey  HASH of payloads and reference counts
ARGV[1] acks         per slot, `<deviceId>:<seq>` or `<deviceId>:<first>-<last>` (decimal u64,
                     decimal >= 1; a range names every seq from first to last, at most 65,536),
                     separated by ','. A slot whose acks are one range is removed by one range
                     read, with no seq of the items read parsed again.

Returns {status, removed}
  0 OK              removed: how many of the listed items existed and are gone
  -1 BAD_ARGUMENT   the list is malformed
]]
local queueKey = KEYS[1] -- ZSET
local countersKey = KEYS[2] -- HASH
local payloadsKey = KEYS[3] -- HASH
local ackList = ARGV[1] -- '<deviceId>:<seq>' or '<deviceId>:<first>-<last>' separated by ','

--@include lib/queue.lua
--@include lib/ack.lua

return applyAcks(queueKey, countersKey, payloadsKey, ackList)

--[[
slot-remove: removes a device slot from the fan-out and deletes its queue,
its counters (the seq restarts at 1 if it is added again) and its payload
references (payloads left without reference are deleted). When the group
has no member and nothing held left, its queue keys are deleted entirely.

KEYS[1] slotsKey     SET of member device ids
KEYS[2] queueKey     ZSET of queued items (see lib/queue.lua)
KEYS[3] countersKey  HASH of per-slot counters
KEYS[4] payloadsKey  HASH of payloads and reference counts
KEYS[5] heldKey      LIST of held items
ARGV[1] deviceId     decimal u64

Returns {status}
  0 OK         the slot was a member and is gone
  1 NOT_FOUND  the slot was not a member (nothing changed)
]]
local slotsKey = KEYS[1] -- SET
local queueKey = KEYS[2] -- ZSET
local countersKey = KEYS[3] -- HASH
local payloadsKey = KEYS[4] -- HASH
local heldKey = KEYS[5] -- LIST
local deviceId = ARGV[1] -- decimal string

--@include lib/queue.lua

local qkeys = { slots = slotsKey, queue = queueKey, counters = countersKey, payloads = payloadsKey }
if clearSlot(qkeys, heldKey, deviceId) == 1 then
    return { 0 }
end
return { 1 }

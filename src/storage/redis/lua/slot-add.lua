--[[
slot-add: makes a device slot a member of its group's fan-out. Idempotent:
an existing member keeps its queue and seq counter.

KEYS[1] slotsKey     SET of member device ids
ARGV[1] deviceId     decimal u64

Returns {status}
  0 OK  the slot is a member (newly or already)
]]
local slotsKey = KEYS[1] -- SET
local deviceId = ARGV[1] -- decimal string

redis.call('SADD', slotsKey, deviceId)
return { 0 }

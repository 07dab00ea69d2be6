--[[
login-register: the Redis side of a device's login, after the slot decision,
in one atomic step: for a NEW slot its queue is emptied first (slot-remove:
whatever a crash may have left behind), the slot joins the group's fan-out
(slot-add), the connection's presence is registered (presence-register: an
older connection of the device is replaced and kicked), and the login reads
what it needs afterwards: the group's lock record, the stale held tokens
(held-stale) and the slot's queue stats (queue-stats). The work itself is
lib/login.lua, shared with login-register-multi.

KEYS[1] slotsKey        SET of member device ids
KEYS[2] queueKey        ZSET of queued items (see lib/queue.lua)
KEYS[3] countersKey     HASH of per-slot counters
KEYS[4] payloadsKey     HASH of payloads and reference counts
KEYS[5] heldKey         LIST of held items `<pid>:<sender>:<token>`
KEYS[6] presenceKey     HASH device id → presence JSON
KEYS[7] leaderKey       HASH d, c, t
KEYS[8] lockKey         HASH transaction lock: d, c, s, e, t
ARGV[1] channel         the group's bus channel (same hash tag)
ARGV[2] deviceId        decimal u64
ARGV[3] connectionId    string
ARGV[4] nodeId          string
ARGV[5] connectedSince  decimal Unix ms
ARGV[6] kickCode        decimal close code for a replaced connection
ARGV[7] expiresAt       decimal Unix ms until which the presence counts as alive
ARGV[8] newSlot         '1': empty the slot's queue first; '0': keep it
ARGV[9] now             decimal Unix ms (the caller's clock; for the stale held tokens)

Returns {status, replaced, lockDevice, lockConnection, lockScope, lockExpiresAt, lockToken,
         count, bytes, oldestTimestamp, staleToken...}
  0 OK             replaced: the replaced presence JSON or ''; the lock fields '' when there is no
                   lock; oldestTimestamp -1 when the queue is empty; the stale tokens in order of
                   their first held item
  -1 BAD_ARGUMENT  now is not a number (nothing changed)
  -2 CORRUPT_STATE a held entry could not be parsed (nothing changed)
]]
local slotsKey = KEYS[1] -- SET
local queueKey = KEYS[2] -- ZSET
local countersKey = KEYS[3] -- HASH
local payloadsKey = KEYS[4] -- HASH
local heldKey = KEYS[5] -- LIST
local presenceKey = KEYS[6] -- HASH
local leaderKey = KEYS[7] -- HASH
local lockKey = KEYS[8] -- HASH
local channel = ARGV[1] -- string
local deviceId = ARGV[2] -- decimal string
local connectionId = ARGV[3] -- string
local nodeId = ARGV[4] -- string
local connectedSince = ARGV[5] -- decimal string
local kickCode = ARGV[6] -- decimal string
local expiresAt = ARGV[7] -- decimal string
local newSlot = ARGV[8] -- '1' | '0'
local now = ARGV[9] -- decimal string

--@include lib/queue.lua
--@include lib/coordinator.lua
--@include lib/login.lua

return registerLogin(
    { slotsKey, queueKey, countersKey, payloadsKey, heldKey, presenceKey, leaderKey, lockKey },
    { channel, deviceId, connectionId, nodeId, connectedSince, kickCode, expiresAt, newSlot, now }
)

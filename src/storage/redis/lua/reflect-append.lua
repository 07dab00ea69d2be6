--[[
reflect-append: stores a batch of reflections of one sender connection, in
order, each for every member slot except the sender, or holds them for a
transaction. One call does for N items what N calls of one item would do,
item after item (the same results, the same stored state), with the checks
and reads done once: the presence, the lock and the membership are read once,
the counters of every slot (and the payload id counter) are read with one
HMGET and written with one HSET, every slot's items are added with one ZADD,
and one `appended` event carries every item. Few commands per call keep the
script's own work and what it propagates to the append-only file small.

The append is fenced on the sender's connection: when one is named, an item
is stored only while it is the sender slot's current presence, unexpired at
the item's timestamp (an append that reaches Redis late, after its node was
cut off and the device sent newer reflections from another connection, must
not land after them). Held items are fenced too: each is stored only while
its token is the group's current lock, unexpired at the item's timestamp
(read from the lock key in this same step). The first item that fails a
fence is not stored, nor is any item after it; the items before it are.
Each payload is stored once with a reference count. A slot an item would take
beyond its limits is removed instead (reported as overflowed for that item;
it receives no later item). The `appended` event is published in the same
step, so no item is visible without its event; it carries the items, so
receivers that are up to date deliver them without reading their queue.
The work itself is lib/append.lua, shared with reflect-append-multi.

KEYS[1] slotsKey     SET of member device ids
KEYS[2] queueKey     ZSET of queued items (see lib/queue.lua)
KEYS[3] countersKey  HASH of per-slot counters and the payload id counter
KEYS[4] payloadsKey  HASH of payloads and reference counts
KEYS[5] heldKey      LIST of held items `<pid>:<sender>:<token>`
KEYS[6] lockKey      HASH transaction lock (see lock-begin.lua): t = token, e = expiresAt
KEYS[7] presenceKey  HASH device id → presence JSON (see lib/coordinator.lua)
ARGV[1] channel      the group's bus channel (same hash tag)
ARGV[2] sender       decimal u64 device id of the sender
ARGV[3] maxCount     decimal item limit per slot
ARGV[4] maxBytes     decimal byte limit per slot
ARGV[5] held         '1': hold the items for the transaction token; '0': deliver now
ARGV[6] token        transaction token (when held)
ARGV[7] connection   the sender's connection id; '' skips the presence check
ARGV[8] items        per item `<flags>:<timestamp>:<envelope length>`, separated by ','
                     (decimal u16 flags, decimal Unix ms timestamp, also the clock the
                     presence's and a held item's lock expiry are compared with)
ARGV[9] envelopes    the items' envelopes, concatenated in order

Returns {status, stored, ids, overflowAt}
  stored: how many items, from the first, were stored (the rest were refused).
  ids: the slots the items were fanned out to, in device id order (empty when
  held, or when the sender is the group's only slot); overflowAt: per slot of
  ids, 0 when it received every stored item, else the number of the item it
  would have overflowed on: it received the items before that one, and was
  removed for exceeding its limits. The reply is the same size whatever the
  number of items.
  0 OK            every item was stored
  4 LOCK_LOST     (held only) item stored + 1 was refused: its token is not the
                  current unexpired lock; it and the items after it were not stored
  5 PRESENCE_LOST item stored + 1 was refused: the connection is not the sender's
                  current unexpired presence; it and the items after it were not stored
  -1 BAD_ARGUMENT a limit or an item is malformed (nothing stored)
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
local maxCountText = ARGV[3] -- decimal string
local maxBytesText = ARGV[4] -- decimal string
local heldText = ARGV[5] -- '1' or '0'
local holdToken = ARGV[6] -- string
local senderConnection = ARGV[7] -- string
local itemList = ARGV[8] -- '<flags>:<timestamp>:<length>' per item, ','-separated
local envelopes = ARGV[9] -- bytes

--@include lib/queue.lua
--@include lib/coordinator.lua
--@include lib/append.lua

local parsed, problem = parseAppend({
    channel, sender, maxCountText, maxBytesText, heldText, holdToken, senderConnection, itemList, envelopes,
})
if parsed == nil then
    return { -1, problem }
end
return storeAppend({ slotsKey, queueKey, countersKey, payloadsKey, heldKey, lockKey, presenceKey }, parsed)

--[[
held-stale: the transaction tokens that have held reflections but are not
the token of the group's current lock, unexpired at `now`. Such a token is
stale for good (tokens only increase, a lock's expiry never moves, and
reflect-append refuses to hold for it), so the caller releases each one
with reflect-release. Read-only.

KEYS[1] heldKey   LIST of held items `<pid>:<sender>:<token>`
KEYS[2] lockKey   HASH transaction lock: t = token, e = expiresAt
ARGV[1] now       decimal Unix ms (the caller's clock)

Returns {status, token...}
  0 OK             the stale tokens, in order of their first held item (none: just the status)
  -1 BAD_ARGUMENT  now is not a number
  -2 CORRUPT_STATE a held entry could not be parsed
]]
local heldKey = KEYS[1] -- LIST
local lockKey = KEYS[2] -- HASH
local now = tonumber(ARGV[1]) -- number

if now == nil then
    return { -1, 'now must be a number' }
end

--@include lib/queue.lua

-- Without held items the lock need not be read.
if redis.call('LLEN', heldKey) == 0 then
    return { 0 }
end
local lock = redis.call('HMGET', lockKey, 't', 'e')
local reply = { 0 }
local bad = staleHeldTokens(heldKey, currentLockToken(lock[1], lock[2], now), reply)
if bad ~= nil then
    return { -2, 'held entry ' .. bad }
end
return reply

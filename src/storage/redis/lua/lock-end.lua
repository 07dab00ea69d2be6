--[[
lock-end: releases the transaction lock if this connection holds it (and the
token matches when given), expired or not, and publishes
`transaction-ended` (with the grant's token) in the same step.

KEYS[1] lockKey       HASH d, c, s (base64 scope), e, t
ARGV[1] channel       the group's bus channel (same hash tag)
ARGV[2] connectionId  string
ARGV[3] token         the grant's token, or '' for any

Returns {status, deviceId, connectionId, scope, expiresAt, token}
  0 OK         released: the lock as it was
  1 NOT_FOUND  no lock, or another connection's or grant's (nothing changed)
]]
local lockKey = KEYS[1] -- HASH
local channel = ARGV[1] -- string
local connectionId = ARGV[2] -- string
local token = ARGV[3] -- string

local current = redis.call('HMGET', lockKey, 'd', 'c', 's', 'e', 't')
if not current[1] or current[2] ~= connectionId or (token ~= '' and current[5] ~= token) then
    return { 1 }
end
redis.call('DEL', lockKey)
redis.call('SPUBLISH', channel, cjson.encode({ 'e', current[1], current[2], current[3], current[5] }))
return { 0, current[1], current[2], current[3], current[4], current[5] }

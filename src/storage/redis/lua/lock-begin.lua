--[[
lock-begin: grants the group's transaction lock when it is free or expired
at `now` (the caller's clock), with a new fencing token from the group's
counter. The key also gets a PX safety expiry so a lock nobody releases
cannot outlive its TTL by much.

KEYS[1] lockKey       HASH d = device id, c = connection id, s = scope (base64),
                      e = expiresAt, t = token
KEYS[2] countersKey   HASH with the `token` counter (never deleted)
ARGV[1] deviceId      decimal u64
ARGV[2] connectionId  string
ARGV[3] scope         base64 of the encrypted scope
ARGV[4] now           decimal Unix ms
ARGV[5] expiresAt     decimal Unix ms (now + ttl)
ARGV[6] safetyTtlMs   decimal ms for PEXPIRE, > 0

Returns {status, deviceId, connectionId, scope, expiresAt, token}
  0 OK              acquired: the new lock
  2 REJECTED        held by another connection: the holder's lock
  3 ALREADY_HOLDER  held by this connection: the unchanged lock
  -1 BAD_ARGUMENT   now, expiresAt or safetyTtlMs is not a number
]]
local lockKey = KEYS[1] -- HASH
local countersKey = KEYS[2] -- HASH
local deviceId = ARGV[1] -- decimal string
local connectionId = ARGV[2] -- string
local scope = ARGV[3] -- base64 string
local now = tonumber(ARGV[4]) -- number
local expiresAt = ARGV[5] -- decimal string
local safetyTtlMs = ARGV[6] -- decimal string

if now == nil or tonumber(expiresAt) == nil or tonumber(safetyTtlMs) == nil then
    return { -1, 'now, expiresAt and safetyTtlMs must be numbers' }
end

local current = redis.call('HMGET', lockKey, 'd', 'c', 's', 'e', 't')
if current[1] and tonumber(current[4]) > now then
    local status = 2
    if current[2] == connectionId then
        status = 3
    end
    return { status, current[1], current[2], current[3], current[4], current[5] }
end

local token = string.format('%d', redis.call('HINCRBY', countersKey, 'token', 1))
redis.call('DEL', lockKey)
redis.call('HSET', lockKey, 'd', deviceId, 'c', connectionId, 's', scope, 'e', expiresAt, 't', token)
redis.call('PEXPIRE', lockKey, safetyTtlMs)
return { 0, deviceId, connectionId, scope, expiresAt, token }

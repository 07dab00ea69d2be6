--[[
node-claim: claims a node id for one process run (incarnation), or renews
the claim, for ttlMs (the key's PX expiry, on Redis's clock). Refused while
another incarnation's claim has not expired.

KEYS[1] nodeKey      STRING the incarnation holding the node id, PX expiry
ARGV[1] incarnation  string
ARGV[2] ttlMs        decimal ms, > 0

Returns {status, incarnation, remainingMs}
  0 OK            claimed or renewed (no further elements)
  2 REJECTED      another incarnation holds it: its incarnation and the ms its claim still lasts
  -1 BAD_ARGUMENT ttlMs is not a positive number
]]
local nodeKey = KEYS[1] -- STRING
local incarnation = ARGV[1] -- string
local ttlText = ARGV[2] -- decimal string
local ttlMs = tonumber(ttlText)

if ttlMs == nil or ttlMs <= 0 then
    return { -1, 'ttlMs must be a positive number' }
end

local current = redis.call('GET', nodeKey)
if current and current ~= incarnation then
    return { 2, current, redis.call('PTTL', nodeKey) }
end
redis.call('SET', nodeKey, incarnation, 'PX', ttlText)
return { 0 }

--[[
node-release: gives a node id up if this incarnation still holds it.

KEYS[1] nodeKey      STRING the incarnation holding the node id
ARGV[1] incarnation  string

Returns {status}
  0 OK         released
  1 NOT_FOUND  not held by this incarnation (nothing changed)
]]
local nodeKey = KEYS[1] -- STRING
local incarnation = ARGV[1] -- string

if redis.call('GET', nodeKey) ~= incarnation then
    return { 1 }
end
redis.call('DEL', nodeKey)
return { 0 }

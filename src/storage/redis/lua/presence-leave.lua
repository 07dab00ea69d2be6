--[[
presence-leave: a connection's logout on the coordinator in one step: its
presence is removed if it still names this connection (presence-unregister:
the leader role is cleared if it held it), and then, only in that case, the
group elects its leader (leader-elect).

KEYS[1] presenceKey   HASH device id → presence JSON
KEYS[2] leaderKey     HASH d = device id, c = connection id, t = term
KEYS[3] countersKey   HASH with the `term` counter (never deleted)
ARGV[1] channel       the group's bus channel (same hash tag)
ARGV[2] deviceId      decimal u64
ARGV[3] connectionId  string
ARGV[4] now           decimal Unix ms; presence expired by then does not count

Returns {status}
  0 OK         the presence was this connection's and is gone; the election ran
  1 NOT_FOUND  the device has no presence or another connection's (nothing changed)
]]
local presenceKey = KEYS[1] -- HASH
local leaderKey = KEYS[2] -- HASH
local countersKey = KEYS[3] -- HASH
local channel = ARGV[1] -- string
local deviceId = ARGV[2] -- decimal string
local connectionId = ARGV[3] -- string
local now = tonumber(ARGV[4]) -- number

--@include lib/coordinator.lua

if not unregisterPresence(presenceKey, leaderKey, deviceId, connectionId) then
    return { 1 }
end
electLeader(presenceKey, leaderKey, countersKey, channel, now)
return { 0 }

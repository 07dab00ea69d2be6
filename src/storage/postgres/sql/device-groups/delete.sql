-- Slots, shared data, overrides and tombstones go with it (ON DELETE CASCADE).
DELETE FROM device_groups
WHERE group_id = decode(${groupId}, 'hex')

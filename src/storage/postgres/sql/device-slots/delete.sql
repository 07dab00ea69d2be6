DELETE FROM device_slots
WHERE group_id = decode(${groupId}, 'hex') AND device_id = ${deviceId}

UPDATE device_slots
SET last_disconnect_at = ${now}
WHERE group_id = decode(${groupId}, 'hex') AND device_id = ${deviceId}

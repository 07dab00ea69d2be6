SELECT expires_at
FROM tombstones
WHERE group_id = decode(${groupId}, 'hex') AND device_id = ${deviceId}

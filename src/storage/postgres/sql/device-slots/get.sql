SELECT device_id, expiration_policy, encrypted_device_info, created_at, last_login_at, last_disconnect_at
FROM device_slots
WHERE group_id = decode(${groupId}, 'hex') AND device_id = ${deviceId}

-- Creation order, then unsigned device id order (see migrations/0001_init.sql).
SELECT device_id, expiration_policy, encrypted_device_info, created_at, last_login_at, last_disconnect_at
FROM device_slots
WHERE group_id = decode(${groupId}, 'hex')
ORDER BY created_at, device_id < 0, device_id

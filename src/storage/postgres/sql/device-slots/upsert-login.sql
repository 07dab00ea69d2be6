-- A login: creates the slot, or refreshes device info, policy and login time (created_at and
-- last_disconnect_at stay).
INSERT INTO device_slots (group_id, device_id, expiration_policy, encrypted_device_info, created_at, last_login_at)
VALUES (decode(${groupId}, 'hex'), ${deviceId}, ${expirationPolicy}, ${encryptedDeviceInfo}, ${now}, ${now})
ON CONFLICT (group_id, device_id) DO UPDATE
SET expiration_policy = EXCLUDED.expiration_policy,
    encrypted_device_info = EXCLUDED.encrypted_device_info,
    last_login_at = EXCLUDED.last_login_at

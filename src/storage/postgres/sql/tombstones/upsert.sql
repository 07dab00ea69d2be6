INSERT INTO tombstones (group_id, device_id, expires_at)
VALUES (decode(${groupId}, 'hex'), ${deviceId}, ${expiresAt})
ON CONFLICT (group_id, device_id) DO UPDATE SET expires_at = EXCLUDED.expires_at

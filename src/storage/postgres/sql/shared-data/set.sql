INSERT INTO shared_device_data (group_id, data)
VALUES (decode(${groupId}, 'hex'), ${data})
ON CONFLICT (group_id) DO UPDATE SET data = EXCLUDED.data

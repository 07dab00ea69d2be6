-- Creates the group row; a concurrent insert of the same group waits for the first and then does nothing.
INSERT INTO device_groups (group_id, created_at)
VALUES (decode(${groupId}, 'hex'), ${now})
ON CONFLICT (group_id) DO NOTHING

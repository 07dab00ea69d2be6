-- The per-group lock of write transactions: the group's row, locked until commit.
SELECT 1 AS locked
FROM device_groups
WHERE group_id = decode(${groupId}, 'hex')
FOR UPDATE

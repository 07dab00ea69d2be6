SELECT DISTINCT encode(group_id, 'hex') AS group_id
FROM device_slots

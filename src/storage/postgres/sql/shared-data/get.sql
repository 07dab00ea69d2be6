SELECT data
FROM shared_device_data
WHERE group_id = decode(${groupId}, 'hex')

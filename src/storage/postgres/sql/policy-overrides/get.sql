SELECT max_device_slots, queue_max_count, queue_max_bytes, volatile_grace_ms, persistent_expiry_ms, tombstone_ttl_ms
FROM policy_overrides
WHERE group_id = decode(${groupId}, 'hex')

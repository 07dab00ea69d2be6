INSERT INTO policy_overrides (
    group_id, max_device_slots, queue_max_count, queue_max_bytes, volatile_grace_ms, persistent_expiry_ms,
    tombstone_ttl_ms
)
VALUES (
    decode(${groupId}, 'hex'), ${maxDeviceSlots}, ${queueMaxCount}, ${queueMaxBytes}, ${volatileGraceMs},
    ${persistentExpiryMs}, ${tombstoneTtlMs}
)
ON CONFLICT (group_id) DO UPDATE
SET max_device_slots = EXCLUDED.max_device_slots,
    queue_max_count = EXCLUDED.queue_max_count,
    queue_max_bytes = EXCLUDED.queue_max_bytes,
    volatile_grace_ms = EXCLUDED.volatile_grace_ms,
    persistent_expiry_ms = EXCLUDED.persistent_expiry_ms,
    tombstone_ttl_ms = EXCLUDED.tombstone_ttl_ms

-- A login in one statement, so one round trip (see migrations/0002_login_slot_function.sql).
SELECT status, slot_state, expired_ids, evicted_ids,
       override_max_device_slots, override_queue_max_count, override_queue_max_bytes,
       override_volatile_grace_ms, override_persistent_expiry_ms, override_tombstone_ttl_ms,
       shared_data
FROM login_slot(
    decode(${groupId}, 'hex'), ${deviceId}::bigint, ${expirationPolicy}::integer, ${encryptedDeviceInfo}::bytea,
    ${expectedState}::integer, ${dropLeastRecent}::boolean, ${online}::bigint[],
    ${maxDeviceSlots}::double precision, ${volatileGraceMs}::double precision,
    ${persistentExpiryMs}::double precision, ${now}::bigint
)

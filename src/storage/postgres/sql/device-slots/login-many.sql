-- The logins of several devices in one statement, so one round trip for all (see
-- migrations/0004_login_slots.sql). Run as a named prepared statement; one row per login.
--   $1 group ids (hex text[])   $2 device ids (bigint[], two's complement)   $3 expiration policies
--   $4 encrypted device infos (bytea[])   $5 expected states (integer[], NULL: not sent)
--   $6 drop least recent (boolean[])   $7 max device slots   $8 volatile grace ms
--   $9 persistent expiry ms   $10 nows (bigint[], Unix ms)
SELECT ord, status, slot_state, expired_ids, evicted_ids,
       override_max_device_slots, override_queue_max_count, override_queue_max_bytes,
       override_volatile_grace_ms, override_persistent_expiry_ms, override_tombstone_ttl_ms,
       shared_data, error_state, error_message
FROM login_slots(
    ARRAY(SELECT decode(g, 'hex') FROM unnest($1::text[]) WITH ORDINALITY AS t(g, n) ORDER BY n),
    $2::bigint[], $3::integer[], $4::bytea[], $5::integer[], $6::boolean[],
    $7::double precision, $8::double precision, $9::double precision, $10::bigint[]
)

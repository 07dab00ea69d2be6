-- A login in one statement, so one round trip (see migrations/0002_login_slot_function.sql and 0003).
-- Run as a named prepared statement (positional parameters, bound by the driver): parsed and planned
-- once per connection, and no client-side formatting of the values.
--   $1 group id (hex)   $2 device id (bigint, two's complement)   $3 expiration policy
--   $4 encrypted device info   $5 expected state (NULL: not sent)   $6 drop least recent
--   $7 online device ids (bigint[]; NULL: not read, see migration 0003)   $8 max device slots   $9 volatile grace ms
--   $10 persistent expiry ms   $11 now (Unix ms)
SELECT status, slot_state, expired_ids, evicted_ids,
       override_max_device_slots, override_queue_max_count, override_queue_max_bytes,
       override_volatile_grace_ms, override_persistent_expiry_ms, override_tombstone_ttl_ms,
       shared_data
FROM login_slot(
    decode($1::text, 'hex'), $2::bigint, $3::integer, $4::bytea,
    $5::integer, $6::boolean, $7::bigint[],
    $8::double precision, $9::double precision,
    $10::double precision, $11::bigint
)

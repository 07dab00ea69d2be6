-- Run as a named prepared statement (once per logout): $1 group id (hex), $2 device id (bigint),
-- $3 now (Unix ms).
UPDATE device_slots
SET last_disconnect_at = $3::bigint
WHERE group_id = decode($1::text, 'hex') AND device_id = $2::bigint

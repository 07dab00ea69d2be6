-- 0001: device groups, device slots, shared device data, per-group policy
-- overrides and tombstones.
--
-- Encodings: a group id is its 32 bytes (bytea). A device id (u64) is stored
-- in a bigint as its two's complement bit pattern: ids from 2^63 up appear
-- negative (postgres/encoding.ts maps both ways; unsigned order is
-- `ORDER BY device_id < 0, device_id`). Times are bigint Unix milliseconds.
-- Policy override values are double precision so that "never" (Infinity)
-- can be stored; integers are exact up to 2^53.

CREATE TABLE device_groups (
    group_id bytea PRIMARY KEY CHECK (octet_length(group_id) = 32),
    created_at bigint NOT NULL
);

CREATE TABLE device_slots (
    group_id bytea NOT NULL REFERENCES device_groups (group_id) ON DELETE CASCADE,
    device_id bigint NOT NULL,
    expiration_policy smallint NOT NULL CHECK (expiration_policy IN (0, 1)),
    encrypted_device_info bytea NOT NULL,
    created_at bigint NOT NULL,
    last_login_at bigint NOT NULL,
    last_disconnect_at bigint,
    PRIMARY KEY (group_id, device_id)
);

-- The expiry sweep only looks at slots whose device disconnected.
CREATE INDEX device_slots_disconnected_idx ON device_slots (last_disconnect_at)
    WHERE last_disconnect_at IS NOT NULL;

CREATE TABLE shared_device_data (
    group_id bytea PRIMARY KEY REFERENCES device_groups (group_id) ON DELETE CASCADE,
    data bytea NOT NULL
);

CREATE TABLE policy_overrides (
    group_id bytea PRIMARY KEY REFERENCES device_groups (group_id) ON DELETE CASCADE,
    max_device_slots double precision,
    queue_max_count double precision,
    queue_max_bytes double precision,
    volatile_grace_ms double precision,
    persistent_expiry_ms double precision,
    tombstone_ttl_ms double precision
);

CREATE TABLE tombstones (
    group_id bytea NOT NULL REFERENCES device_groups (group_id) ON DELETE CASCADE,
    device_id bigint NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (group_id, device_id)
);

CREATE INDEX tombstones_expires_at_idx ON tombstones (expires_at);

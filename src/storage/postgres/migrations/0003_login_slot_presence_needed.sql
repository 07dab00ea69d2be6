-- 0003: login_slot() without presence. p_online may now be NULL: the caller has not read who is
-- online. The function then decides as before when that cannot change the outcome, and otherwise
-- answers status 'presence-needed' and writes nothing but the group row: when a slot other than the
-- device's own would count as expired if its device were offline (online devices never expire), and
-- when DROP_LEAST_RECENT must rank eviction victims (online devices go last). The caller then reads
-- presence and calls again with it. So a reconnect to a group with nothing expired and no eviction
-- needs no presence read before it. With p_online given, the function is the same as in 0002.
-- The decision of src/storage/login-decision.ts in SQL; the contract suite runs both.

CREATE OR REPLACE FUNCTION login_slot(
    p_group_id bytea,
    p_device_id bigint,
    p_expiration_policy integer,
    p_encrypted_device_info bytea,
    p_expected_state integer,
    p_drop_least_recent boolean,
    p_online bigint[],
    p_max_device_slots double precision,
    p_volatile_grace_ms double precision,
    p_persistent_expiry_ms double precision,
    p_now bigint,
    OUT status text,
    OUT slot_state integer,
    OUT expired_ids bigint[],
    OUT evicted_ids bigint[],
    OUT override_max_device_slots double precision,
    OUT override_queue_max_count double precision,
    OUT override_queue_max_bytes double precision,
    OUT override_volatile_grace_ms double precision,
    OUT override_persistent_expiry_ms double precision,
    OUT override_tombstone_ttl_ms double precision,
    OUT shared_data bytea
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_attempt integer := 0;
    v_max_device_slots double precision;
    v_volatile_grace_ms double precision;
    v_persistent_expiry_ms double precision;
    v_tombstone_expires_at bigint;
    v_own boolean;
    v_live integer;
BEGIN
    -- The per-group lock: the group's row, created if needed. A concurrent deleteGroup may remove
    -- the row between the insert and the lock; then try again (as DeviceGroupsRepository.lock).
    LOOP
        PERFORM 1 FROM device_groups g WHERE g.group_id = p_group_id FOR UPDATE;
        EXIT WHEN FOUND;
        INSERT INTO device_groups (group_id, created_at) VALUES (p_group_id, p_now)
        ON CONFLICT (group_id) DO NOTHING;
        -- Inserted by this transaction: no one else can lock it before the commit.
        EXIT WHEN FOUND;
        v_attempt := v_attempt + 1;
        IF v_attempt >= 3 THEN
            RAISE EXCEPTION 'device group row vanished while locking it' USING ERRCODE = '40001';
        END IF;
    END LOOP;

    SELECT o.max_device_slots, o.queue_max_count, o.queue_max_bytes, o.volatile_grace_ms,
           o.persistent_expiry_ms, o.tombstone_ttl_ms
    INTO override_max_device_slots, override_queue_max_count, override_queue_max_bytes,
         override_volatile_grace_ms, override_persistent_expiry_ms, override_tombstone_ttl_ms
    FROM policy_overrides o
    WHERE o.group_id = p_group_id;
    v_max_device_slots := COALESCE(override_max_device_slots, p_max_device_slots);
    v_volatile_grace_ms := COALESCE(override_volatile_grace_ms, p_volatile_grace_ms);
    v_persistent_expiry_ms := COALESCE(override_persistent_expiry_ms, p_persistent_expiry_ms);

    -- Decide everything first; nothing is written unless the login succeeds.
    SELECT t.expires_at INTO v_tombstone_expires_at
    FROM tombstones t
    WHERE t.group_id = p_group_id AND t.device_id = p_device_id;
    IF v_tombstone_expires_at IS NOT NULL AND v_tombstone_expires_at > p_now THEN
        status := 'tombstoned';
        RETURN;
    END IF;

    -- Expired by policy (types.ts isSlotExpired), in listing order; online devices never expire.
    SELECT COALESCE(array_agg(s.device_id ORDER BY s.created_at, s.device_id < 0, s.device_id), '{}')
    INTO expired_ids
    FROM device_slots s
    WHERE s.group_id = p_group_id
      AND s.device_id <> ALL (COALESCE(p_online, '{}'))
      AND CASE s.expiration_policy
          WHEN 0 THEN p_now - COALESCE(s.last_disconnect_at, s.last_login_at) >= v_volatile_grace_ms
          ELSE p_now - s.last_login_at >= v_persistent_expiry_ms
          END;

    -- Not told who is online: whether another device's slot expired depends on it. Ask for it.
    IF p_online IS NULL AND EXISTS (SELECT 1 FROM unnest(expired_ids) AS e(id) WHERE e.id <> p_device_id) THEN
        status := 'presence-needed';
        RETURN;
    END IF;

    SELECT count(*)::integer, COALESCE(bool_or(s.device_id = p_device_id), false)
    INTO v_live, v_own
    FROM device_slots s
    WHERE s.group_id = p_group_id AND s.device_id <> ALL (expired_ids);
    slot_state := CASE WHEN v_own THEN 1 ELSE 0 END;

    IF p_expected_state IS NOT NULL AND p_expected_state <> slot_state THEN
        status := 'slot-state-mismatch';
        RETURN;
    END IF;

    evicted_ids := '{}';
    IF NOT v_own AND v_live >= v_max_device_slots THEN
        IF NOT p_drop_least_recent OR v_max_device_slots < 1 THEN
            status := 'device-limit-reached';
            RETURN;
        END IF;
        -- The ranking puts online devices last: ask for them when not told.
        IF p_online IS NULL THEN
            status := 'presence-needed';
            RETURN;
        END IF;
        -- Eviction order (login-decision.ts evictionOrder): offline first, then oldest activity
        -- (login or disconnect, whichever came last), then oldest creation, then unsigned device id.
        SELECT array_agg(victim.device_id ORDER BY victim.position)
        INTO evicted_ids
        FROM (
            SELECT s.device_id, row_number() OVER (
                ORDER BY s.device_id = ANY (p_online),
                         GREATEST(s.last_login_at, COALESCE(s.last_disconnect_at, 0)),
                         s.created_at, s.device_id < 0, s.device_id
            ) AS position
            FROM device_slots s
            WHERE s.group_id = p_group_id AND s.device_id <> ALL (expired_ids)
        ) victim
        WHERE victim.position <= trunc(v_live - v_max_device_slots + 1);
    END IF;

    IF v_tombstone_expires_at IS NOT NULL THEN
        DELETE FROM tombstones t WHERE t.group_id = p_group_id AND t.device_id = p_device_id;
    END IF;
    IF cardinality(expired_ids) > 0 OR cardinality(evicted_ids) > 0 THEN
        DELETE FROM device_slots s
        WHERE s.group_id = p_group_id AND s.device_id = ANY (expired_ids || evicted_ids);
    END IF;
    -- Creates the slot, or refreshes device info, policy and login time (created_at and
    -- last_disconnect_at stay).
    INSERT INTO device_slots AS s (
        group_id, device_id, expiration_policy, encrypted_device_info, created_at, last_login_at
    )
    VALUES (p_group_id, p_device_id, p_expiration_policy, p_encrypted_device_info, p_now, p_now)
    ON CONFLICT (group_id, device_id) DO UPDATE
    SET expiration_policy = EXCLUDED.expiration_policy,
        encrypted_device_info = EXCLUDED.encrypted_device_info,
        last_login_at = EXCLUDED.last_login_at;

    SELECT d.data INTO shared_data FROM shared_device_data d WHERE d.group_id = p_group_id;
    status := 'ok';
END;
$$;

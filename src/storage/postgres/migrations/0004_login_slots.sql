-- 0004: login_slots(), the logins of several devices (of any groups) in one statement: what a
-- node's logins reach during one event-loop turn of a reconnect storm, one round trip for all of
-- them. Each runs login_slot() without the online list (as a first call does), in its own
-- subtransaction: a login that fails answers status 'error' with its SQLSTATE and message, and its
-- changes are undone, while the others stand. The logins run in group id order (then in the order
-- given), so two batches that lock the same groups' rows lock them in the same order. Every group
-- row stays locked until the statement's transaction ends. One row per login, `ord` its
-- position (1-based) in the arrays.

CREATE FUNCTION login_slots(
    p_group_ids bytea[],
    p_device_ids bigint[],
    p_expiration_policies integer[],
    p_encrypted_device_infos bytea[],
    p_expected_states integer[],
    p_drop_least_recent boolean[],
    p_max_device_slots double precision,
    p_volatile_grace_ms double precision,
    p_persistent_expiry_ms double precision,
    p_nows bigint[]
)
RETURNS TABLE (
    ord integer,
    status text,
    slot_state integer,
    expired_ids bigint[],
    evicted_ids bigint[],
    override_max_device_slots double precision,
    override_queue_max_count double precision,
    override_queue_max_bytes double precision,
    override_volatile_grace_ms double precision,
    override_persistent_expiry_ms double precision,
    override_tombstone_ttl_ms double precision,
    shared_data bytea,
    error_state text,
    error_message text
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_index integer;
    v_login record;
BEGIN
    FOR v_index IN
        SELECT i FROM generate_subscripts(p_group_ids, 1) AS i ORDER BY p_group_ids[i], i
    LOOP
        ord := v_index;
        BEGIN
            SELECT * INTO STRICT v_login
            FROM login_slot(
                p_group_ids[v_index], p_device_ids[v_index], p_expiration_policies[v_index],
                p_encrypted_device_infos[v_index], p_expected_states[v_index], p_drop_least_recent[v_index],
                NULL, p_max_device_slots, p_volatile_grace_ms, p_persistent_expiry_ms, p_nows[v_index]
            );
            status := v_login.status;
            slot_state := v_login.slot_state;
            expired_ids := v_login.expired_ids;
            evicted_ids := v_login.evicted_ids;
            override_max_device_slots := v_login.override_max_device_slots;
            override_queue_max_count := v_login.override_queue_max_count;
            override_queue_max_bytes := v_login.override_queue_max_bytes;
            override_volatile_grace_ms := v_login.override_volatile_grace_ms;
            override_persistent_expiry_ms := v_login.override_persistent_expiry_ms;
            override_tombstone_ttl_ms := v_login.override_tombstone_ttl_ms;
            shared_data := v_login.shared_data;
            error_state := NULL;
            error_message := NULL;
        EXCEPTION WHEN OTHERS THEN
            status := 'error';
            slot_state := NULL;
            expired_ids := NULL;
            evicted_ids := NULL;
            override_max_device_slots := NULL;
            override_queue_max_count := NULL;
            override_queue_max_bytes := NULL;
            override_volatile_grace_ms := NULL;
            override_persistent_expiry_ms := NULL;
            override_tombstone_ttl_ms := NULL;
            shared_data := NULL;
            error_state := SQLSTATE;
            error_message := SQLERRM;
        END;
        RETURN NEXT;
    END LOOP;
END;
$$;

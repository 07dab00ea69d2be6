-- Slots expired at `now` under the defaults merged with each group's override. A slot without a
-- disconnect after its latest login counts as online and is never a candidate. Oldest activity
-- (the disconnect) first, then group id, then unsigned device id.
SELECT encode(s.group_id, 'hex') AS group_id, s.device_id
FROM device_slots s
LEFT JOIN policy_overrides o ON o.group_id = s.group_id
WHERE s.last_disconnect_at IS NOT NULL
  AND s.last_disconnect_at >= s.last_login_at
  AND CASE s.expiration_policy
      WHEN 0 THEN ${now} - s.last_disconnect_at >= COALESCE(o.volatile_grace_ms, ${volatileGraceMs}::double precision)
      ELSE ${now} - s.last_login_at >= COALESCE(o.persistent_expiry_ms, ${persistentExpiryMs}::double precision)
      END
ORDER BY s.last_disconnect_at, s.group_id, s.device_id < 0, s.device_id
LIMIT ${limit}

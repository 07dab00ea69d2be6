DELETE FROM tombstones
WHERE expires_at <= ${now}

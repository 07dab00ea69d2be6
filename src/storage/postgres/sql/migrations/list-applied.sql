-- Versions already applied, oldest first.
SELECT version
FROM schema_migrations
ORDER BY version

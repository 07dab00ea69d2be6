-- Serialises concurrent migrations of one schema (several nodes starting at once).
SELECT pg_advisory_xact_lock(hashtextextended('d2m-mediator:migrate:' || ${schema}, 0))

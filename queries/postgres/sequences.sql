-- Sequences and how far they have gone (last_value is NULL without USAGE/SELECT on it).
SELECT s.schemaname::text AS schema,
       s.sequencename::text AS name,
       format_type(s.data_type, NULL) AS data_type,
       s.last_value::int8 AS last_value,
       s.max_value::int8 AS max_value,
       s.increment_by::int8 AS increment
FROM pg_sequences s
ORDER BY s.schemaname, s.sequencename

-- Columns of the installed pg_stat_statements view (they changed in 1.8 and 1.11).
SELECT a.attname::text AS name
FROM pg_attribute a
WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped

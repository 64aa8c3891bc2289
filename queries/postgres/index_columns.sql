-- Index columns in order: key or INCLUDE, column or expression, direction. The tables
-- of $1 (locked by another session, from locked_tables) are left out: pg_get_indexdef
-- would wait for the lock.
SELECT n.nspname::text AS schema,
       t.relname::text AS table,
       i.relname::text AS index,
       k.ordinality::int4 AS position,
       a.attname::text AS column,
       CASE WHEN k.attnum = 0 THEN pg_get_indexdef(x.indexrelid, k.ordinality::int, true) END AS expression,
       (k.ordinality <= x.indnkeyatts) AS is_key,
       coalesce((x.indoption[k.ordinality - 1] & 1) = 1, false) AS descending
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ordinality)
LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  AND NOT (t.oid = ANY ($1::oid[]))
ORDER BY n.nspname, t.relname, i.relname, k.ordinality

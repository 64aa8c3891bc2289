-- Indexes of user tables: definition, validity, usage and size. The tables of $1 (held in
-- ACCESS EXCLUSIVE mode by another session, from locked_tables) are left out:
-- pg_get_indexdef, pg_get_expr and pg_relation_size would wait for the lock.
SELECT n.nspname::text AS schema,
       t.relname::text AS table,
       i.relname::text AS name,
       am.amname::text AS access_method,
       x.indisunique AS is_unique,
       x.indisprimary AS is_primary,
       x.indisvalid AS is_valid,
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x')) AS is_constraint,
       pg_get_indexdef(x.indexrelid) AS definition,
       pg_get_expr(x.indpred, x.indrelid) AS predicate,
       coalesce(s.idx_scan, 0)::int8 AS idx_scan,
       coalesce(s.idx_tup_read, 0)::int8 AS idx_tup_read,
       coalesce(s.idx_tup_fetch, 0)::int8 AS idx_tup_fetch,
       pg_relation_size(x.indexrelid)::int8 AS bytes
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = i.relam
LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = x.indexrelid
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  AND NOT (t.oid = ANY ($1::oid[]))
ORDER BY n.nspname, t.relname, i.relname

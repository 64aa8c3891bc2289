-- User tables another session holds (or waits for) in ACCESS EXCLUSIVE mode, directly
-- or through one of their indexes. Reading their size or index definitions would wait
-- for that lock (pg_relation_size, pg_get_indexdef and pg_get_expr take ACCESS SHARE),
-- so the catalog queries leave these tables out ($1) and the snapshot names them.
-- pg_locks itself takes no relation lock.
SELECT t.oid AS oid,
       n.nspname::text AS schema,
       t.relname::text AS name,
       l.mode::text AS mode,
       l.granted AS granted,
       l.pid::int4 AS pid
FROM pg_locks l
JOIN pg_class c ON c.oid = l.relation
LEFT JOIN pg_index x ON x.indexrelid = c.oid
JOIN pg_class t ON t.oid = coalesce(x.indrelid, c.oid)
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE l.locktype = 'relation'
  AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
  AND l.mode = 'AccessExclusiveLock'
  AND l.pid <> pg_backend_pid()
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY n.nspname, t.relname, l.pid

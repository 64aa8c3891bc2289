-- User tables with their scan, write, vacuum and cache statistics. Tables another
-- session holds in ACCESS EXCLUSIVE mode ($1, from locked_tables) are left out: their
-- size would wait for the lock. Only tables, TOAST tables and materialized views have a
-- relfrozenxid: a partitioned parent's is 0, whose age() reads 2147483647, so it gets
-- none. estimated_rows is the planner's reltuples (-1, never estimated, is NULL): the
-- size when the counters were reset. partition_root: the top partitioned table of a
-- partition, which an index on that table reaches.
SELECT s.schemaname::text AS schema,
       s.relname::text AS name,
       s.n_live_tup::int8 AS live_rows,
       s.n_dead_tup::int8 AS dead_rows,
       s.seq_scan::int8 AS seq_scan,
       s.seq_tup_read::int8 AS seq_tup_read,
       s.idx_scan::int8 AS idx_scan,
       s.idx_tup_fetch::int8 AS idx_tup_fetch,
       s.n_tup_ins::int8 AS inserts,
       s.n_tup_upd::int8 AS updates,
       s.n_tup_del::int8 AS deletes,
       s.n_tup_hot_upd::int8 AS hot_updates,
       pg_relation_size(s.relid)::int8 AS table_bytes,
       pg_total_relation_size(s.relid)::int8 AS total_bytes,
       io.heap_blks_read::int8 AS heap_blks_read,
       io.heap_blks_hit::int8 AS heap_blks_hit,
       io.idx_blks_read::int8 AS idx_blks_read,
       io.idx_blks_hit::int8 AS idx_blks_hit,
       s.last_vacuum::text AS last_vacuum,
       s.last_autovacuum::text AS last_autovacuum,
       s.last_analyze::text AS last_analyze,
       s.last_autoanalyze::text AS last_autoanalyze,
       extract(epoch FROM now() - greatest(s.last_vacuum, s.last_autovacuum))::float8 AS vacuum_age_seconds,
       CASE WHEN c.relkind IN ('r', 't', 'm') THEN age(c.relfrozenxid)::int8 END AS frozen_xid_age,
       CASE WHEN c.reltuples >= 0 THEN c.reltuples::int8 END AS estimated_rows,
       c.relkind = 'p' AS is_partitioned,
       rn.nspname::text AS partition_root_schema,
       root.relname::text AS partition_root_name
FROM pg_stat_user_tables s
JOIN pg_class c ON c.oid = s.relid
LEFT JOIN pg_class root ON c.relispartition AND root.oid = pg_partition_root(c.oid)
LEFT JOIN pg_namespace rn ON rn.oid = root.relnamespace
LEFT JOIN pg_statio_user_tables io ON io.relid = s.relid
WHERE NOT (s.relid = ANY ($1::oid[]))
ORDER BY s.schemaname, s.relname

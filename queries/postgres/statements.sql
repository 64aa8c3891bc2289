-- Top statements of this database from pg_stat_statements, by total time.
-- {total_time} and {mean_time} are replaced by the columns the installed version has
-- (total_exec_time / mean_exec_time since 1.8, total_time / mean_time before);
-- {schema} by the extension's schema; {min_time}, {max_time}, {stddev_time} likewise
-- (min/max/stddev_exec_time since 1.8, min/max/stddev_time before), and {window} by the
-- seconds the counters cover: stats_since on 1.11+, the last reset of
-- pg_stat_statements_info on 1.9+, else NULL. Statements of all users are read when the role
-- may (pg_read_all_stats); others show as '<insufficient privilege>'. `role` is the role
-- that ran the statement (NULL when it was dropped): verification plans a statement only
-- as that role. dbaudit's own statements (marked with a leading /* dbaudit */) are left
-- out, so an audit never analyses the previous one.
SELECT s.queryid::text AS queryid,
       s.query AS query,
       s.calls::int8 AS calls,
       s.{total_time}::float8 AS total_time_ms,
       s.{mean_time}::float8 AS mean_time_ms,
       s.rows::int8 AS rows,
       s.shared_blks_hit::int8 AS shared_blks_hit,
       s.shared_blks_read::int8 AS shared_blks_read,
       r.rolname::text AS role,
       s.{min_time}::float8 AS min_time_ms,
       s.{max_time}::float8 AS max_time_ms,
       s.{stddev_time}::float8 AS stddev_time_ms,
       ({window})::float8 AS window_seconds
FROM {schema}.pg_stat_statements s
JOIN pg_database d ON d.oid = s.dbid
LEFT JOIN pg_roles r ON r.oid = s.userid
WHERE d.datname = current_database()
  AND s.query NOT LIKE '/* dbaudit */%'
ORDER BY s.{total_time} DESC
LIMIT {limit}

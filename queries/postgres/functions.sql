-- Function statistics (empty unless track_functions is pl or all).
SELECT f.schemaname::text AS schema,
       f.funcname::text AS name,
       f.calls::int8 AS calls,
       f.total_time::float8 AS total_time_ms,
       f.self_time::float8 AS self_time_ms
FROM pg_stat_user_functions f
ORDER BY f.total_time DESC

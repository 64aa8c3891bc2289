-- Client sessions by application and state, server-wide: every connection counts against
-- max_connections whatever its database. state is NULL ('unknown') for other roles'
-- sessions unless the audit role has pg_read_all_stats (pg_monitor). Ages are clamped at
-- 0: a transaction that began after this statement's now() is not older than nothing.
SELECT coalesce(a.application_name, '')::text AS application,
       coalesce(a.state, 'unknown')::text AS state,
       count(*)::int8 AS sessions,
       max(greatest(extract(epoch FROM now() - a.xact_start), 0))::float8 AS oldest_xact_seconds,
       max(greatest(extract(epoch FROM now() - a.state_change), 0))::float8 AS oldest_state_seconds
FROM pg_stat_activity a
WHERE a.backend_type = 'client backend'
GROUP BY 1, 2
ORDER BY 1, 2

-- Preflight: who and where we are, and how old the statistics are.
SELECT version() AS version,
       current_setting('server_version') AS server_version,
       current_setting('server_version_num')::int8 AS server_version_num,
       current_database() AS database,
       now()::text AS collected_at,
       pg_postmaster_start_time()::text AS server_started,
       (SELECT stats_reset::text FROM pg_stat_database WHERE datname = current_database()) AS stats_reset,
       extract(epoch FROM now() - greatest(
           pg_postmaster_start_time(),
           coalesce((SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()), pg_postmaster_start_time())
       ))::float8 AS stats_age_seconds,
       pg_is_in_recovery() AS in_recovery

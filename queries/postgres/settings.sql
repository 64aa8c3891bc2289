-- Settings that explain findings (statistics, autovacuum, memory, planner).
SELECT name::text AS name, setting::text AS setting, unit::text AS unit
FROM pg_settings
WHERE name IN ('track_functions', 'track_io_timing', 'track_counts', 'autovacuum',
               'autovacuum_vacuum_scale_factor', 'autovacuum_vacuum_threshold',
               'autovacuum_freeze_max_age', 'shared_buffers', 'work_mem',
               'effective_cache_size', 'random_page_cost', 'max_connections',
               'superuser_reserved_connections', 'reserved_connections',
               'pg_stat_statements.track', 'pg_stat_statements.max', 'shared_preload_libraries')
ORDER BY name

-- Cached stored procedures of the current database (times in microseconds, since
-- cached_time: a plan evicted or recompiled starts again).
SELECT OBJECT_SCHEMA_NAME(ps.object_id, ps.database_id) AS schema_name,
       OBJECT_NAME(ps.object_id, ps.database_id) AS procedure_name,
       ps.cached_time AS cached_time,
       ps.last_execution_time AS last_execution_time,
       ps.execution_count AS execution_count,
       ps.total_elapsed_time AS total_elapsed_time_us,
       ps.total_worker_time AS total_worker_time_us,
       ps.total_logical_reads AS total_logical_reads,
       ps.total_logical_writes AS total_logical_writes,
       ps.total_physical_reads AS total_physical_reads
FROM sys.dm_exec_procedure_stats AS ps
WHERE ps.database_id = DB_ID()
ORDER BY ps.total_elapsed_time DESC

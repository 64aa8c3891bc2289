-- Cached stored procedures of the current database (times in microseconds, since
-- cached_time: a plan evicted or recompiled starts again). The DMV has one row per cached
-- plan (a procedure compiled with other SET options has two): summed per procedure, from
-- its oldest plan's cached_time to its latest execution.
SELECT OBJECT_SCHEMA_NAME(ps.object_id, ps.database_id) AS schema_name,
       OBJECT_NAME(ps.object_id, ps.database_id) AS procedure_name,
       MIN(ps.cached_time) AS cached_time,
       MAX(ps.last_execution_time) AS last_execution_time,
       SUM(ps.execution_count) AS execution_count,
       SUM(ps.total_elapsed_time) AS total_elapsed_time_us,
       SUM(ps.total_worker_time) AS total_worker_time_us,
       SUM(ps.total_logical_reads) AS total_logical_reads,
       SUM(ps.total_logical_writes) AS total_logical_writes,
       SUM(ps.total_physical_reads) AS total_physical_reads
FROM sys.dm_exec_procedure_stats AS ps
WHERE ps.database_id = DB_ID()
GROUP BY ps.database_id, ps.object_id
ORDER BY SUM(ps.total_elapsed_time) DESC

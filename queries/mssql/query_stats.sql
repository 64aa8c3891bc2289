-- The 100 statements of the current database with the most elapsed time since their
-- plans were cached (times in microseconds). The database is the plan's dbid attribute.
-- min/max elapsed time and rows per execution feed latency-spread and caching-candidate.
SELECT TOP (100)
       CONVERT(nvarchar(64), qs.query_hash, 1) AS query_hash,
       OBJECT_SCHEMA_NAME(st.objectid, st.dbid) AS object_schema,
       OBJECT_NAME(st.objectid, st.dbid) AS object_name,
       SUBSTRING(st.text, qs.statement_start_offset / 2 + 1,
                 (CASE qs.statement_end_offset WHEN -1 THEN DATALENGTH(st.text) ELSE qs.statement_end_offset END
                  - qs.statement_start_offset) / 2 + 1) AS statement_text,
       qs.creation_time AS creation_time,
       qs.last_execution_time AS last_execution_time,
       qs.execution_count AS execution_count,
       qs.total_elapsed_time AS total_elapsed_time_us,
       qs.total_worker_time AS total_worker_time_us,
       qs.total_logical_reads AS total_logical_reads,
       qs.total_physical_reads AS total_physical_reads,
       qs.total_rows AS total_rows,
       qs.min_elapsed_time AS min_elapsed_time_us,
       qs.max_elapsed_time AS max_elapsed_time_us,
       qs.min_rows AS min_rows,
       qs.max_rows AS max_rows
FROM sys.dm_exec_query_stats AS qs
CROSS APPLY sys.dm_exec_sql_text(qs.sql_handle) AS st
CROSS APPLY (SELECT CONVERT(int, pa.value) AS dbid
             FROM sys.dm_exec_plan_attributes(qs.plan_handle) AS pa
             WHERE pa.attribute = N'dbid') AS plan_db
WHERE plan_db.dbid = DB_ID()
ORDER BY qs.total_elapsed_time DESC

-- The three missing-index DMVs, joined, for the current database. Rows are cleared at
-- restart and when an index on the table is created, altered or dropped; at most 600
-- groups are kept server-wide.
SELECT DB_NAME(d.database_id) AS database_name,
       OBJECT_SCHEMA_NAME(d.object_id, d.database_id) AS schema_name,
       OBJECT_NAME(d.object_id, d.database_id) AS table_name,
       g.index_group_handle AS group_handle,
       d.equality_columns AS equality_columns,
       d.inequality_columns AS inequality_columns,
       d.included_columns AS included_columns,
       gs.unique_compiles AS unique_compiles,
       gs.user_seeks AS user_seeks,
       gs.user_scans AS user_scans,
       gs.avg_total_user_cost AS avg_total_user_cost,
       gs.avg_user_impact AS avg_user_impact,
       gs.last_user_seek AS last_user_seek,
       gs.last_user_scan AS last_user_scan
FROM sys.dm_db_missing_index_details AS d
JOIN sys.dm_db_missing_index_groups AS g ON g.index_handle = d.index_handle
JOIN sys.dm_db_missing_index_group_stats AS gs ON gs.group_handle = g.index_group_handle
WHERE d.database_id = DB_ID()
ORDER BY (gs.user_seeks + gs.user_scans) * gs.avg_total_user_cost * gs.avg_user_impact DESC

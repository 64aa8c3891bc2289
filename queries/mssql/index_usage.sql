-- Usage of every index and heap (index_id 0) since the last restart
-- (sys.dm_db_index_usage_stats is cleared at restart, and when the database goes offline;
-- it needs VIEW SERVER STATE, VIEW SERVER PERFORMANCE STATE from 2022). An index without a
-- row there has not been used: zeros.
SELECT s.name AS schema_name,
       t.name AS table_name,
       i.index_id AS index_id,
       ISNULL(u.user_seeks, 0) AS user_seeks,
       ISNULL(u.user_scans, 0) AS user_scans,
       ISNULL(u.user_lookups, 0) AS user_lookups,
       ISNULL(u.user_updates, 0) AS user_updates,
       u.last_user_seek AS last_user_seek,
       u.last_user_scan AS last_user_scan,
       u.last_user_lookup AS last_user_lookup,
       u.last_user_update AS last_user_update
FROM sys.indexes AS i
JOIN sys.tables AS t ON t.object_id = i.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
LEFT JOIN sys.dm_db_index_usage_stats AS u
       ON u.database_id = DB_ID() AND u.object_id = i.object_id AND u.index_id = i.index_id
WHERE t.is_ms_shipped = 0 AND i.is_hypothetical = 0
ORDER BY s.name, t.name, i.index_id

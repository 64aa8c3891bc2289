-- User tables of the current database: rows, space, heap or clustered, creation date.
SELECT s.name AS schema_name,
       t.name AS table_name,
       t.create_date AS create_date,
       CASE WHEN EXISTS (SELECT 1 FROM sys.indexes AS h WHERE h.object_id = t.object_id AND h.index_id = 0) THEN 1 ELSE 0 END AS is_heap,
       (SELECT SUM(p.row_count) FROM sys.dm_db_partition_stats AS p WHERE p.object_id = t.object_id AND p.index_id IN (0, 1)) AS row_count,
       (SELECT SUM(p.reserved_page_count) * 8192 FROM sys.dm_db_partition_stats AS p WHERE p.object_id = t.object_id) AS reserved_bytes,
       (SELECT SUM(p.used_page_count) * 8192 FROM sys.dm_db_partition_stats AS p WHERE p.object_id = t.object_id AND p.index_id IN (0, 1)) AS data_bytes
FROM sys.tables AS t
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE t.is_ms_shipped = 0
ORDER BY s.name, t.name

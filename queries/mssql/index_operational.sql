-- Lock waits and forwarded fetches per index since the metadata was cached (usually the
-- last restart). LIMITED: no page reads beyond the metadata.
SELECT s.name AS schema_name,
       t.name AS table_name,
       o.index_id AS index_id,
       SUM(o.row_lock_wait_count) AS row_lock_wait_count,
       SUM(o.row_lock_wait_in_ms) AS row_lock_wait_ms,
       SUM(o.page_lock_wait_count) AS page_lock_wait_count,
       SUM(o.page_lock_wait_in_ms) AS page_lock_wait_ms,
       SUM(o.forwarded_fetch_count) AS forwarded_fetch_count
FROM sys.dm_db_index_operational_stats(DB_ID(), NULL, NULL, NULL) AS o
JOIN sys.tables AS t ON t.object_id = o.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE t.is_ms_shipped = 0
GROUP BY s.name, t.name, o.index_id
ORDER BY s.name, t.name, o.index_id

-- Every index and heap (index_id 0) of the user tables. Their usage is a query of its own
-- (index_usage.sql): the usage DMV needs VIEW SERVER STATE, and joined here it would cost
-- the whole index list (error 300) to a login without it.
SELECT s.name AS schema_name,
       t.name AS table_name,
       i.index_id AS index_id,
       i.name AS index_name,
       i.type_desc AS type_desc,
       i.is_unique AS is_unique,
       i.is_primary_key AS is_primary_key,
       i.is_unique_constraint AS is_unique_constraint,
       i.is_disabled AS is_disabled,
       i.has_filter AS has_filter,
       i.filter_definition AS filter_definition,
       (SELECT SUM(p.reserved_page_count) * 8192 FROM sys.dm_db_partition_stats AS p WHERE p.object_id = i.object_id AND p.index_id = i.index_id) AS reserved_bytes
FROM sys.indexes AS i
JOIN sys.tables AS t ON t.object_id = i.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE t.is_ms_shipped = 0 AND i.is_hypothetical = 0
ORDER BY s.name, t.name, i.index_id

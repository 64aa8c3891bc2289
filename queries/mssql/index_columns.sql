-- Key columns (in key order) and INCLUDE columns of every index. On a partitioned table
-- the engine adds the partitioning column to an index with key_ordinal = 0 and
-- is_included_column = 0: it is neither a key nor an INCLUDE column the DBA wrote, so it
-- is left out (as sp_BlitzIndex does). Columnstore columns come with is_included_column = 1.
SELECT s.name AS schema_name,
       t.name AS table_name,
       i.name AS index_name,
       ic.key_ordinal AS key_ordinal,
       ic.index_column_id AS index_column_id,
       c.name AS column_name,
       ic.is_included_column AS is_included_column,
       ic.is_descending_key AS is_descending_key
FROM sys.index_columns AS ic
JOIN sys.indexes AS i ON i.object_id = ic.object_id AND i.index_id = ic.index_id
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
JOIN sys.tables AS t ON t.object_id = i.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE t.is_ms_shipped = 0 AND i.is_hypothetical = 0 AND i.index_id > 0
  AND (ic.key_ordinal > 0 OR ic.is_included_column = 1)
ORDER BY s.name, t.name, i.name, ic.is_included_column, ic.key_ordinal, ic.index_column_id

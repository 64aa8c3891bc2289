-- Statistics of the user tables, one row per column in order (stats_column_id; the
-- importer puts each statistic's columns together, as for foreign keys: no name is joined
-- on the server): when last updated, on how many rows, and how many modifications since
-- (sys.dm_db_stats_properties, 2008 R2 SP2 / 2012 SP1 and later, repeated on each of the
-- statistic's rows). Without SELECT on the table's columns (or ownership, db_owner,
-- db_ddladmin) the properties come back NULL: the importer counts those statistics and
-- says so in a note.
SELECT s.name AS schema_name,
       t.name AS table_name,
       st.name AS stats_name,
       sc.stats_column_id AS stats_column_id,
       c.name AS column_name,
       st.auto_created AS auto_created,
       sp.last_updated AS last_updated,
       sp.rows AS row_count,
       sp.rows_sampled AS rows_sampled,
       sp.modification_counter AS modification_counter
FROM sys.stats AS st
JOIN sys.tables AS t ON t.object_id = st.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
OUTER APPLY sys.dm_db_stats_properties(st.object_id, st.stats_id) AS sp
JOIN sys.stats_columns AS sc ON sc.object_id = st.object_id AND sc.stats_id = st.stats_id
JOIN sys.columns AS c ON c.object_id = sc.object_id AND c.column_id = sc.column_id
WHERE t.is_ms_shipped = 0
ORDER BY s.name, t.name, st.name, sc.stats_column_id

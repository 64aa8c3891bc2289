-- Statistics of the user tables: when last updated, on how many rows, and how many
-- modifications since (sys.dm_db_stats_properties, 2008 R2 SP2 / 2012 SP1 and later).
-- Without SELECT on the table's columns (or ownership, db_owner, db_ddladmin) the
-- properties come back NULL: the importer counts those rows and says so in a note.
-- Column names: FOR XML PATH(''), TYPE).value(...) keeps & < > as written.
SELECT s.name AS schema_name,
       t.name AS table_name,
       st.name AS stats_name,
       STUFF((SELECT N', ' + c.name
              FROM sys.stats_columns AS sc
              JOIN sys.columns AS c ON c.object_id = sc.object_id AND c.column_id = sc.column_id
              WHERE sc.object_id = st.object_id AND sc.stats_id = st.stats_id
              ORDER BY sc.stats_column_id
              FOR XML PATH(''), TYPE).value(N'.', N'nvarchar(max)'), 1, 2, N'') AS column_names,
       st.auto_created AS auto_created,
       sp.last_updated AS last_updated,
       sp.rows AS row_count,
       sp.rows_sampled AS rows_sampled,
       sp.modification_counter AS modification_counter
FROM sys.stats AS st
JOIN sys.tables AS t ON t.object_id = st.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
OUTER APPLY sys.dm_db_stats_properties(st.object_id, st.stats_id) AS sp
WHERE t.is_ms_shipped = 0
ORDER BY s.name, t.name, st.name

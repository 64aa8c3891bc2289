-- Foreign keys with their columns in key order (FOR XML PATH: STRING_AGG needs 2017).
-- FOR XML PATH(''), TYPE).value(...) returns the names as written: without TYPE, a name
-- with & < > would come back as &amp; &lt; &gt;.
SELECT s.name AS schema_name,
       t.name AS table_name,
       fk.name AS constraint_name,
       STUFF((SELECT N', ' + c.name
              FROM sys.foreign_key_columns AS fc
              JOIN sys.columns AS c ON c.object_id = fc.parent_object_id AND c.column_id = fc.parent_column_id
              WHERE fc.constraint_object_id = fk.object_id
              ORDER BY fc.constraint_column_id
              FOR XML PATH(''), TYPE).value(N'.', N'nvarchar(max)'), 1, 2, N'') AS column_names,
       rs.name AS referenced_schema,
       rt.name AS referenced_table,
       STUFF((SELECT N', ' + c.name
              FROM sys.foreign_key_columns AS fc
              JOIN sys.columns AS c ON c.object_id = fc.referenced_object_id AND c.column_id = fc.referenced_column_id
              WHERE fc.constraint_object_id = fk.object_id
              ORDER BY fc.constraint_column_id
              FOR XML PATH(''), TYPE).value(N'.', N'nvarchar(max)'), 1, 2, N'') AS referenced_columns
FROM sys.foreign_keys AS fk
JOIN sys.tables AS t ON t.object_id = fk.parent_object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
JOIN sys.tables AS rt ON rt.object_id = fk.referenced_object_id
JOIN sys.schemas AS rs ON rs.schema_id = rt.schema_id
WHERE t.is_ms_shipped = 0
ORDER BY s.name, t.name, fk.name

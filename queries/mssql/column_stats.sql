-- requires: 13
-- requires-object: sys.dm_db_stats_histogram
-- Distinct values of each column that leads a statistics object, from its histogram
-- (sys.dm_db_stats_histogram: 2016 SP1 CU2 and later), for ordering index keys by
-- selectivity. The most recently updated unfiltered statistics of a column wins (a
-- filtered statistic describes only its filter's rows).
SELECT x.schema_name, x.table_name, x.column_name, x.distinct_values, x.null_rows, x.row_count
FROM (SELECT s.name AS schema_name,
             t.name AS table_name,
             c.name AS column_name,
             h.distinct_values AS distinct_values,
             h.null_rows AS null_rows,
             sp.rows AS row_count,
             ROW_NUMBER() OVER (PARTITION BY st.object_id, sc.column_id ORDER BY sp.last_updated DESC) AS rn
      FROM sys.stats AS st
      JOIN sys.tables AS t ON t.object_id = st.object_id
      JOIN sys.schemas AS s ON s.schema_id = t.schema_id
      JOIN sys.stats_columns AS sc ON sc.object_id = st.object_id AND sc.stats_id = st.stats_id AND sc.stats_column_id = 1
      JOIN sys.columns AS c ON c.object_id = sc.object_id AND c.column_id = sc.column_id
      CROSS APPLY sys.dm_db_stats_properties(st.object_id, st.stats_id) AS sp
      CROSS APPLY (SELECT SUM(hh.distinct_range_rows) + COUNT(*) AS distinct_values,
                          SUM(CASE WHEN hh.range_high_key IS NULL THEN hh.equal_rows ELSE 0 END) AS null_rows
                   FROM sys.dm_db_stats_histogram(st.object_id, st.stats_id) AS hh) AS h
      WHERE t.is_ms_shipped = 0 AND st.has_filter = 0) AS x
WHERE x.rn = 1
ORDER BY x.schema_name, x.table_name, x.column_name

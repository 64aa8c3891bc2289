-- requires: 15
-- requires-object: sys.dm_db_missing_index_group_stats_query
-- The statement that asked most for each missing index (SQL Server 2019 and later, and
-- Azure SQL Database: sys.dm_db_missing_index_group_stats_query). The collector skips it
-- where that view does not exist (or, when that is unknown, before version 15).
SELECT q.group_handle AS group_handle,
       q.query_hash AS query_hash,
       q.user_seeks + q.user_scans AS query_requests,
       SUBSTRING(st.text, q.last_statement_start_offset / 2 + 1,
                 (CASE q.last_statement_end_offset WHEN -1 THEN DATALENGTH(st.text) ELSE q.last_statement_end_offset END
                  - q.last_statement_start_offset) / 2 + 1) AS query_text
FROM (SELECT qs.group_handle, qs.query_hash, qs.user_seeks, qs.user_scans, qs.last_sql_handle,
             qs.last_statement_start_offset, qs.last_statement_end_offset,
             ROW_NUMBER() OVER (PARTITION BY qs.group_handle ORDER BY qs.user_seeks + qs.user_scans DESC) AS rn
      FROM sys.dm_db_missing_index_group_stats_query AS qs
      JOIN sys.dm_db_missing_index_groups AS g ON g.index_group_handle = qs.group_handle
      JOIN sys.dm_db_missing_index_details AS d ON d.index_handle = g.index_handle
      WHERE d.database_id = DB_ID()) AS q
CROSS APPLY sys.dm_exec_sql_text(q.last_sql_handle) AS st
WHERE q.rn = 1
ORDER BY q.group_handle

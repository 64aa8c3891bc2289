-- User sessions by application and state, server-wide: every connection counts against
-- the server's limit (@@MAX_CONNECTIONS, repeated on each row) and the client's pool,
-- whatever its database. A sleeping session with an open transaction is reported as
-- 'idle in transaction' (PostgreSQL's words for it), with the age of its oldest
-- transaction and how long it has been sleeping. Without VIEW SERVER STATE only the
-- login's own sessions are visible.
SELECT ISNULL(s.program_name, N'') AS application_name,
       CASE WHEN s.status = N'sleeping' AND s.open_transaction_count > 0 THEN N'idle in transaction'
            WHEN s.status = N'sleeping' THEN N'idle'
            ELSE N'active' END AS state,
       COUNT(*) AS sessions,
       MAX(DATEDIFF(second, tx.oldest_begin, SYSDATETIME())) AS oldest_xact_seconds,
       MAX(CASE WHEN s.status = N'sleeping'
                THEN DATEDIFF(second, s.last_request_end_time, SYSDATETIME()) END) AS oldest_state_seconds,
       @@MAX_CONNECTIONS AS max_connections
FROM sys.dm_exec_sessions AS s
OUTER APPLY (SELECT MIN(at.transaction_begin_time) AS oldest_begin
             FROM sys.dm_tran_session_transactions AS st
             JOIN sys.dm_tran_active_transactions AS at ON at.transaction_id = st.transaction_id
             WHERE st.session_id = s.session_id) AS tx
WHERE s.is_user_process = 1
GROUP BY ISNULL(s.program_name, N''),
         CASE WHEN s.status = N'sleeping' AND s.open_transaction_count > 0 THEN N'idle in transaction'
              WHEN s.status = N'sleeping' THEN N'idle'
              ELSE N'active' END
ORDER BY application_name, state

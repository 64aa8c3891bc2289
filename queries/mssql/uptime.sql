-- When the server started (UTC) and its uptime: the DMV counters restart with it.
-- Needs VIEW SERVER STATE (VIEW SERVER PERFORMANCE STATE from 2022).
SELECT DATEADD(SECOND, -DATEDIFF(SECOND, sqlserver_start_time, SYSDATETIME()), SYSUTCDATETIME()) AS server_started,
       DATEDIFF(SECOND, sqlserver_start_time, SYSDATETIME()) AS uptime_seconds
FROM sys.dm_os_sys_info;

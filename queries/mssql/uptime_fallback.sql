-- The uptime without VIEW SERVER STATE: tempdb is created anew at each start.
SELECT DATEADD(SECOND, -DATEDIFF(SECOND, create_date, SYSDATETIME()), SYSUTCDATETIME()) AS server_started,
       DATEDIFF(SECOND, create_date, SYSDATETIME()) AS uptime_seconds
FROM sys.databases
WHERE name = N'tempdb';

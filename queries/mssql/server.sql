-- Preflight: the server and database this export describes, and when it was taken.
-- uptime = collected_at - sqlserver_start_time: every DMV counter below starts there.
SELECT CONVERT(nvarchar(128), SERVERPROPERTY('ProductVersion')) AS product_version,
       CONVERT(nvarchar(128), SERVERPROPERTY('Edition')) AS edition,
       CONVERT(int, SERVERPROPERTY('EngineEdition')) AS engine_edition,
       @@SERVERNAME AS server_name,
       DB_NAME() AS database_name,
       (SELECT d.compatibility_level FROM sys.databases AS d WHERE d.database_id = DB_ID()) AS compatibility_level,
       (SELECT i.sqlserver_start_time FROM sys.dm_os_sys_info AS i) AS sqlserver_start_time,
       SYSUTCDATETIME() AS collected_at_utc,
       SYSDATETIME() AS collected_at

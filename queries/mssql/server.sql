-- Preflight: the server and database this export describes, and when it was taken.
-- uptime = collected_at - sqlserver_start_time: every DMV counter below starts there.
-- The start time is tempdb's creation (rebuilt at every start), readable without
-- VIEW SERVER STATE, so this context survives a login that lacks it.
SELECT CONVERT(nvarchar(128), SERVERPROPERTY('ProductVersion')) AS product_version,
       CONVERT(nvarchar(128), SERVERPROPERTY('Edition')) AS edition,
       CONVERT(int, SERVERPROPERTY('EngineEdition')) AS engine_edition,
       @@SERVERNAME AS server_name,
       DB_NAME() AS database_name,
       (SELECT d.compatibility_level FROM sys.databases AS d WHERE d.database_id = DB_ID()) AS compatibility_level,
       (SELECT d.create_date FROM sys.databases AS d WHERE d.name = N'tempdb') AS sqlserver_start_time,
       SYSUTCDATETIME() AS collected_at_utc,
       SYSDATETIME() AS collected_at

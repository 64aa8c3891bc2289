-- Preflight: who and where we are, and what this login may read. The 2022 permissions
-- (VIEW SERVER / DATABASE PERFORMANCE STATE) are asked about on 2022 and later only.
-- Azure SQL Database (EngineEdition 5) has no server-level permissions to ask about:
-- there the SERVER-class HAS_PERMS_BY_NAME is not called, and the database-level
-- VIEW DATABASE PERFORMANCE STATE is asked about whatever the reported version (12).
-- present_objects names the version-dependent DMVs that exist here (sys.all_objects, as
-- the First Responder Kit checks), each a literal of its own (CONCAT drops the NULL of an
-- absent one; no names are aggregated with FOR XML): the collector gates the queries that
-- read them on that, not on the version number, which Azure SQL Database reports as 12.
SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS product_version,
       CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS edition,
       CAST(SERVERPROPERTY('EngineEdition') AS int) AS engine_edition,
       CAST(@@VERSION AS nvarchar(512)) AS version_text,
       DB_NAME() AS database_name,
       USER_NAME() AS user_name,
       HAS_DBACCESS(DB_NAME()) AS has_dbaccess,
       SYSUTCDATETIME() AS collected_at,
       CASE WHEN CAST(SERVERPROPERTY('EngineEdition') AS int) <> 5
            THEN HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER STATE') END AS view_server_state,
       CASE WHEN CAST(SERVERPROPERTY('EngineEdition') AS int) <> 5
             AND CAST(PARSENAME(CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)), 4) AS int) >= 16
            THEN HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER PERFORMANCE STATE') END AS view_server_performance_state,
       HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'VIEW DATABASE STATE') AS view_database_state,
       CASE WHEN CAST(PARSENAME(CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)), 4) AS int) >= 16
              OR CAST(SERVERPROPERTY('EngineEdition') AS int) = 5
            THEN HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'VIEW DATABASE PERFORMANCE STATE') END AS view_database_performance_state,
       HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'VIEW DEFINITION') AS view_definition,
       CONCAT((SELECT N'dm_db_missing_index_group_stats_query,' FROM sys.all_objects AS o
               WHERE o.schema_id = SCHEMA_ID(N'sys') AND o.name = N'dm_db_missing_index_group_stats_query'),
              (SELECT N'dm_db_stats_histogram' FROM sys.all_objects AS o
               WHERE o.schema_id = SCHEMA_ID(N'sys') AND o.name = N'dm_db_stats_histogram')) AS present_objects;

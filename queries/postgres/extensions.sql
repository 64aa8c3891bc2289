-- Installed extensions (pg_stat_statements and hypopg matter to the audit).
SELECT e.extname::text AS name, e.extversion::text AS version, n.nspname::text AS schema
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
ORDER BY e.extname

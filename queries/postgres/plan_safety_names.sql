-- Verification without SET ROLE: for each function, operator and type name a statement
-- uses ($1 kinds, $2 names, unqualified), whether it exists in a system schema and in
-- which other schemas it exists. Any name found outside pg_catalog / information_schema
-- (or nowhere) keeps the statement from being planned as the auditor, because the
-- planner may evaluate stable functions (and the functions behind operators and casts)
-- while it estimates.
SELECT k.kind, k.name,
       CASE k.kind
         WHEN 'function' THEN EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                                      WHERE p.proname = k.name AND n.nspname IN ('pg_catalog', 'information_schema'))
         WHEN 'operator' THEN EXISTS (SELECT 1 FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
                                      WHERE o.oprname = k.name AND n.nspname IN ('pg_catalog', 'information_schema'))
         ELSE EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                      WHERE t.typname = k.name AND n.nspname IN ('pg_catalog', 'information_schema'))
       END AS in_system,
       CASE k.kind
         WHEN 'function' THEN (SELECT string_agg(DISTINCT n.nspname::text, ', ') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                               WHERE p.proname = k.name AND n.nspname NOT IN ('pg_catalog', 'information_schema'))
         WHEN 'operator' THEN (SELECT string_agg(DISTINCT n.nspname::text, ', ') FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
                               WHERE o.oprname = k.name AND n.nspname NOT IN ('pg_catalog', 'information_schema'))
         ELSE (SELECT string_agg(DISTINCT n.nspname::text, ', ') FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
               WHERE t.typname = k.name AND n.nspname NOT IN ('pg_catalog', 'information_schema'))
       END AS elsewhere
FROM unnest($1::text[], $2::text[]) AS k(kind, name)

-- Verification without SET ROLE: for each relation a statement reads ($1 schemas, '' when
-- unqualified: then every schema's relation of that name counts; $2 names), how many
-- relations match and, among them and their inheritance children / partitions, those
-- whose planning can run code: views, materialized views, foreign tables (their planning
-- calls the wrapper), tables with row-level security (policies are planned in), and tables
-- with a column of a type outside the system schemas (casts and domain checks).
SELECT r.schema, r.name,
       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = r.name AND (r.schema = '' OR n.nspname = r.schema))::int8 AS found,
       (WITH RECURSIVE tree(oid) AS (
            SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relname = r.name AND (r.schema = '' OR n.nspname = r.schema)
            UNION
            SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.oid)
        SELECT string_agg(DISTINCT format('%I.%I (%s)', n.nspname, c.relname,
                   CASE WHEN c.relkind = 'v' THEN 'a view'
                        WHEN c.relkind = 'm' THEN 'a materialized view'
                        WHEN c.relkind = 'f' THEN 'a foreign table'
                        WHEN c.relkind NOT IN ('r', 'p') THEN 'relkind ' || c.relkind::text
                        WHEN c.relrowsecurity THEN 'row-level security'
                        ELSE 'a column of a user-defined type' END), ', ')
        FROM tree
        JOIN pg_class c ON c.oid = tree.oid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND (c.relkind NOT IN ('r', 'p') OR c.relrowsecurity
               OR EXISTS (SELECT 1 FROM pg_attribute a
                          JOIN pg_type ty ON ty.oid = a.atttypid
                          JOIN pg_namespace tn ON tn.oid = ty.typnamespace
                          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                            AND tn.nspname NOT IN ('pg_catalog', 'information_schema')))) AS unsafe
FROM unnest($1::text[], $2::text[]) AS r(schema, name)

-- Plain views of user schemas and their definitions, for the index advisor to reach the
-- base tables of a statement on a view. pg_get_viewdef prints the stored rule back as
-- text; dbaudit parses that text and never runs it. It takes ACCESS SHARE on the tables
-- the view reads, so a view over a table of $1 (held in ACCESS EXCLUSIVE mode by
-- another session, from locked_tables) is left out. security_barrier: the option set to
-- any of PostgreSQL's spellings of true.
SELECT n.nspname::text AS schema,
       c.relname::text AS name,
       pg_get_viewdef(c.oid) AS definition,
       EXISTS (
         SELECT 1 FROM unnest(c.reloptions) AS o(option)
         WHERE lower(split_part(o.option, '=', 1)) = 'security_barrier'
           AND lower(split_part(o.option, '=', 2)) IN ('true', 'on', 'yes', '1', 't', 'y')
       ) AS security_barrier
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'v'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  AND NOT (c.oid = ANY ($1::oid[]))
  AND NOT EXISTS (
    SELECT 1
    FROM pg_rewrite r
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
    WHERE r.ev_class = c.oid AND d.refobjid = ANY ($1::oid[])
  )
ORDER BY n.nspname, c.relname

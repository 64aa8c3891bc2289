-- Planner statistics per column (selectivity for ordering index columns; the share of
-- NULLs and, for a boolean column, of true and false rows, for partial indexes). Rows
-- appear only for tables the role may SELECT from (or with pg_read_all_stats). Only a
-- boolean column's most-common values are read ('{t,f}' as text): never a value of any
-- other column.
SELECT s.schemaname::text AS schema,
       s.tablename::text AS table,
       s.attname::text AS column,
       s.null_frac::float8 AS null_frac,
       s.n_distinct::float8 AS n_distinct,
       (s.most_common_freqs)[1]::float8 AS most_common_freq,
       s.correlation::float8 AS correlation,
       CASE WHEN a.atttypid = 'boolean'::regtype THEN
         CASE s.most_common_vals::text
           WHEN '{t,f}' THEN s.most_common_freqs[1]
           WHEN '{f,t}' THEN s.most_common_freqs[2]
           WHEN '{t}' THEN s.most_common_freqs[1]
           WHEN '{f}' THEN greatest(0, 1 - s.null_frac - s.most_common_freqs[1])
         END
       END::float8 AS true_frac,
       CASE WHEN a.atttypid = 'boolean'::regtype THEN
         CASE s.most_common_vals::text
           WHEN '{t,f}' THEN s.most_common_freqs[2]
           WHEN '{f,t}' THEN s.most_common_freqs[1]
           WHEN '{f}' THEN s.most_common_freqs[1]
           WHEN '{t}' THEN greatest(0, 1 - s.null_frac - s.most_common_freqs[1])
         END
       END::float8 AS false_frac
FROM pg_stats s
LEFT JOIN pg_namespace n ON n.nspname = s.schemaname
LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = s.attname AND NOT a.attisdropped
WHERE s.schemaname NOT IN ('pg_catalog', 'information_schema')
ORDER BY s.schemaname, s.tablename, s.attname

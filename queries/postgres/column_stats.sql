-- Planner statistics per column (selectivity for ordering index columns). Rows appear
-- only for tables the role may SELECT from.
SELECT s.schemaname::text AS schema,
       s.tablename::text AS table,
       s.attname::text AS column,
       s.null_frac::float8 AS null_frac,
       s.n_distinct::float8 AS n_distinct,
       (s.most_common_freqs)[1]::float8 AS most_common_freq,
       s.correlation::float8 AS correlation
FROM pg_stats s
WHERE s.schemaname NOT IN ('pg_catalog', 'information_schema')
ORDER BY s.schemaname, s.tablename, s.attname

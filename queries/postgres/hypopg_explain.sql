-- Verification plans: for each statement a candidate serves, dbaudit runs
--   EXPLAIN (FORMAT JSON, GENERIC_PLAN) <statement>            (PostgreSQL 16+)
-- or, before 16,
--   PREPARE dbaudit_verify AS <statement>;
--   SET plan_cache_mode = force_generic_plan;
--   EXPLAIN (FORMAT JSON) EXECUTE dbaudit_verify(NULL, ...);
--   DEALLOCATE dbaudit_verify;
-- only for SELECT statements, and never with ANALYZE: statements are planned, not run.
SELECT 1 WHERE false

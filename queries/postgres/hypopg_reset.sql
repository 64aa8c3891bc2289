-- HypoPG: drop this session's hypothetical indexes (nothing is written; they never
-- existed outside the session).
SELECT hypopg_reset()

-- HypoPG: a hypothetical index for one candidate, visible only to this session's planner.
-- $1 is the candidate's CREATE INDEX statement; the index is never built.
SELECT indexname::text FROM hypopg_create_index($1)

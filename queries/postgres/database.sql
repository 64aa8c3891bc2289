-- Cache hits and transaction-ID age of the audited database.
SELECT d.datname::text AS name,
       coalesce(s.blks_hit, 0)::int8 AS blks_hit,
       coalesce(s.blks_read, 0)::int8 AS blks_read,
       coalesce(s.xact_commit, 0)::int8 AS xact_commit,
       pg_database_size(d.oid)::int8 AS size_bytes,
       age(d.datfrozenxid)::int8 AS frozen_xid_age
FROM pg_database d
LEFT JOIN pg_stat_database s ON s.datid = d.oid
WHERE d.datname = current_database()

-- Who the audit runs as: a superuser gets a note (a role with pg_monitor gives a complete
-- audit without superuser rights; see README, "Least privilege").
SELECT current_user::text AS role,
       r.rolsuper AS superuser,
       pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS read_all_stats
FROM pg_roles r
WHERE r.rolname = current_user

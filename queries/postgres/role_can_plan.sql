-- Verification: may the audit role take the role that ran a statement (SET ROLE), so that
-- the statement is planned with that role's rights and never with the auditor's?
-- No row: the role no longer exists. $1 is the role name, $2 'MEMBER' before
-- PostgreSQL 16 and 'SET' since (membership without the SET option does not allow it).
SELECT pg_has_role(current_user, r.oid, $2) AS can_set_role
FROM pg_roles r
WHERE r.rolname = $1

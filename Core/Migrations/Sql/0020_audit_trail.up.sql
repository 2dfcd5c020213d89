-- Every change is audited now, not only keys and workspaces: the row names the request it came
-- from, and the log is filtered by action, actor and target, so those get indexes.
ALTER TABLE audit_log ADD COLUMN request_id text;

CREATE INDEX audit_log_workspace_action_idx ON audit_log (workspace_id, action, id DESC);
CREATE INDEX audit_log_workspace_target_idx ON audit_log (workspace_id, target, id DESC);

-- The grants (0011) already keep ductus_app to SELECT and INSERT; these triggers make the log
-- append-only for every role that is not a superuser disabling them, the table's owner included,
-- so a migration or an operator's slip cannot rewrite history either.
CREATE FUNCTION ductus_audit_log_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_no_rewrite BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION ductus_audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION ductus_audit_log_append_only();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM ductus_app;

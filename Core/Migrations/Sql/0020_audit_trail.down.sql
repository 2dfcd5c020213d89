DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
DROP TRIGGER IF EXISTS audit_log_no_rewrite ON audit_log;
DROP FUNCTION IF EXISTS ductus_audit_log_append_only();
DROP INDEX IF EXISTS audit_log_workspace_target_idx;
DROP INDEX IF EXISTS audit_log_workspace_action_idx;
ALTER TABLE audit_log DROP COLUMN IF EXISTS request_id;

-- Archived audit rows go back into audit_log, with their ids, before the archive is dropped:
-- reverting must not be the way an audit row gets lost.
INSERT INTO audit_log (id, workspace_id, actor, action, target, details, at, request_id)
    OVERRIDING SYSTEM VALUE
SELECT id, workspace_id, actor, action, target, details, at, request_id FROM audit_archive
    ON CONFLICT (id) DO NOTHING;

DROP FUNCTION IF EXISTS ductus_archive_audit(timestamptz, integer);

-- audit_log's trigger as 0020 made it: no exception for archived rows.
CREATE OR REPLACE FUNCTION ductus_audit_log_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

DROP TABLE IF EXISTS audit_archive;
DROP FUNCTION IF EXISTS ductus_audit_archive_append_only();
DROP INDEX IF EXISTS ingest_batches_consumed;
DROP TABLE IF EXISTS dataset_freshness_alerts;
DROP TABLE IF EXISTS alert_deliveries;

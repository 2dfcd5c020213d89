-- Back to the per-row workspace check of migration 0014.
CREATE OR REPLACE VIEW ingest_records_visible WITH (security_barrier) AS
    SELECT batch_id, record, slot FROM ingest_records WHERE workspace_id = ductus_current_workspace();

DROP VIEW IF EXISTS ingest_records_visible;

ALTER TABLE ingest_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE ingest_records FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON ingest_records USING (workspace_id = ductus_current_workspace());
GRANT SELECT, DELETE ON ingest_records TO ductus_app;

ALTER TABLE ingest_records ALTER COLUMN record TYPE jsonb USING record::jsonb;

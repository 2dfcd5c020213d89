-- Who changed what and when. Rows are only ever inserted; the Api writes each one in the same
-- transaction as the change it records, so a change without its audit row cannot commit.
CREATE TABLE audit_log (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id  uuid        NOT NULL REFERENCES workspaces (id),
    actor         text        NOT NULL,
    action        text        NOT NULL,
    target        text        NOT NULL,
    details       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    at            timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_log_workspace_at_idx ON audit_log (workspace_id, at DESC);

-- Per-workspace like every tenant table, and append-only for services: ductus_app may insert
-- and read, never update or delete.
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_workspace ON audit_log
    USING (workspace_id = ductus_current_workspace())
    WITH CHECK (workspace_id = ductus_current_workspace());
GRANT SELECT, INSERT ON audit_log TO ductus_app;
GRANT USAGE ON SEQUENCE audit_log_id_seq TO ductus_app;

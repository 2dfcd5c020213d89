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

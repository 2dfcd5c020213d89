-- Rows the contract or the parser refused, kept with every rule they broke and their
-- original values so they can be read, exported and replayed.
CREATE TABLE rejects (
    id           bigserial   PRIMARY KEY,
    workspace_id uuid        NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    run_id       uuid        NOT NULL REFERENCES runs ON DELETE CASCADE,
    pipeline     text        NOT NULL,
    dataset      text        NOT NULL,
    line         bigint,
    rules        text[]      NOT NULL,
    message      text        NOT NULL,
    "values"     jsonb,
    raw_text     text,
    created_at   timestamptz NOT NULL
);

-- Paging through one run's rejects in id order.
CREATE INDEX rejects_run ON rejects (workspace_id, run_id, id);
-- Retention deletes by age.
CREATE INDEX rejects_created ON rejects (workspace_id, created_at);

ALTER TABLE rejects ENABLE ROW LEVEL SECURITY;
ALTER TABLE rejects FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON rejects USING (workspace_id = ductus_current_workspace());
GRANT SELECT, INSERT, DELETE ON rejects TO ductus_app;
GRANT USAGE ON SEQUENCE rejects_id_seq TO ductus_app;

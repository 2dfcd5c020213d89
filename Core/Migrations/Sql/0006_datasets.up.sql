-- The catalog's entry for a dataset: its schema and the pointer to its current snapshot.
-- Moving current_version (with an optimistic check) is what makes a run's data visible.
CREATE TABLE datasets (
    workspace_id      uuid        NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    name              text        NOT NULL,
    description       text,
    columns           jsonb       NOT NULL DEFAULT '[]',
    current_version   bigint,
    row_count         bigint      NOT NULL DEFAULT 0,
    bytes             bigint      NOT NULL DEFAULT 0,
    last_loaded_at    timestamptz,
    expected_schedule text,
    pipeline          text,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, name)
);

ALTER TABLE datasets ENABLE ROW LEVEL SECURITY;
ALTER TABLE datasets FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON datasets USING (workspace_id = ductus_current_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON datasets TO ductus_app;

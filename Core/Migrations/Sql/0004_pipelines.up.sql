-- A pipeline's current spec. The parsed model is kept as jsonb for the engine and the API;
-- the original text is kept too, so a YAML file's comments and layout survive a round trip.
CREATE TABLE pipelines (
    workspace_id  uuid        NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    name          text        NOT NULL,
    spec          jsonb       NOT NULL,
    original_text text        NOT NULL,
    format        text        NOT NULL CHECK (format IN ('yaml', 'json')),
    version       integer     NOT NULL CHECK (version > 0),
    schedule      text,
    dataset       text        NOT NULL,
    enabled       boolean     NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, name)
);

-- Every version ever saved, so a run can say which spec it ran and a change can be undone.
CREATE TABLE pipeline_versions (
    workspace_id  uuid        NOT NULL,
    pipeline      text        NOT NULL,
    version       integer     NOT NULL,
    spec          jsonb       NOT NULL,
    original_text text        NOT NULL,
    format        text        NOT NULL,
    schedule      text,
    dataset       text        NOT NULL,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, pipeline, version),
    FOREIGN KEY (workspace_id, pipeline) REFERENCES pipelines (workspace_id, name) ON DELETE CASCADE
);

-- The incremental cursor of a pipeline. Written only by the commit transaction, so a run
-- that fails never moves it. No foreign key to pipelines: a spec run once from the command
-- line is never saved but may still be incremental.
CREATE TABLE pipeline_watermarks (
    workspace_id  uuid        NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    pipeline      text        NOT NULL,
    value         text        NOT NULL,
    run_id        uuid        NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, pipeline)
);

ALTER TABLE pipelines ENABLE ROW LEVEL SECURITY;
ALTER TABLE pipelines FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON pipelines USING (workspace_id = ductus_current_workspace());

ALTER TABLE pipeline_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE pipeline_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON pipeline_versions USING (workspace_id = ductus_current_workspace());

ALTER TABLE pipeline_watermarks ENABLE ROW LEVEL SECURITY;
ALTER TABLE pipeline_watermarks FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON pipeline_watermarks USING (workspace_id = ductus_current_workspace());

GRANT SELECT, INSERT, UPDATE, DELETE ON pipelines, pipeline_versions, pipeline_watermarks TO ductus_app;

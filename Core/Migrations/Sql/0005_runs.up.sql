-- One row per run of a pipeline. Pipeline and dataset are names, not foreign keys: the
-- history of a run outlives the deletion of its pipeline.
CREATE TABLE runs (
    id               uuid        PRIMARY KEY,
    workspace_id     uuid        NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    pipeline         text        NOT NULL,
    dataset          text        NOT NULL,
    status           text        NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    trigger          text        NOT NULL CHECK (trigger IN ('manual', 'schedule', 'replay', 'api')),
    replay_of        uuid        REFERENCES runs ON DELETE SET NULL,
    pipeline_version integer,
    attempt          integer     NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL,
    started_at       timestamptz,
    finished_at      timestamptz,
    step_durations   jsonb       NOT NULL DEFAULT '{}',
    rows_read        bigint      NOT NULL DEFAULT 0,
    rows_loaded      bigint      NOT NULL DEFAULT 0,
    rows_rejected    bigint      NOT NULL DEFAULT 0,
    bytes            bigint      NOT NULL DEFAULT 0,
    snapshot_version bigint,
    error            text,
    error_step       text,
    node             text
);

-- Newest-first listing, whole workspace or one pipeline; the id breaks ties for the cursor.
CREATE INDEX runs_workspace_created ON runs (workspace_id, created_at DESC, id DESC);
CREATE INDEX runs_pipeline_created ON runs (workspace_id, pipeline, created_at DESC, id DESC);
-- Recovery looks for runs left running by a node that died.
CREATE INDEX runs_active ON runs (workspace_id, status) WHERE status IN ('queued', 'running');

ALTER TABLE runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE runs FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON runs USING (workspace_id = ductus_current_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON runs TO ductus_app;

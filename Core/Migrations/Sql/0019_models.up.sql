-- Models: pipelines whose source is datasets of their own workspace.

-- The datasets a model reads, found by the sandbox's SQL parser when the spec is saved. Kept
-- beside the spec so "which models read X" (commit triggers, lineage) is an index lookup, not a
-- parse of every spec.
ALTER TABLE pipelines ADD COLUMN inputs text[] NOT NULL DEFAULT '{}';
CREATE INDEX pipelines_inputs ON pipelines USING gin (inputs);

-- A model queued because a dataset it reads committed. At most one such run waits per model:
-- the index makes the second commit's request a no-op even when two nodes ask at once, and the
-- waiting run reads the newest snapshots anyway when it starts.
ALTER TABLE runs DROP CONSTRAINT runs_trigger_check;
ALTER TABLE runs ADD CONSTRAINT runs_trigger_check CHECK (trigger IN ('manual', 'schedule', 'replay', 'api', 'upstream'));
CREATE UNIQUE INDEX runs_one_waiting_upstream ON runs (workspace_id, pipeline) WHERE status = 'queued' AND trigger = 'upstream';

-- The snapshot of each input a model's run read, pinned when the run started: the run's output
-- is reproducible from these versions, and lineage per run reads them.
CREATE TABLE run_inputs (
    workspace_id uuid   NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    run_id       uuid   NOT NULL REFERENCES runs ON DELETE CASCADE,
    dataset      text   NOT NULL,
    version      bigint NOT NULL,
    PRIMARY KEY (run_id, dataset)
);

CREATE INDEX run_inputs_dataset ON run_inputs (workspace_id, dataset, version);

ALTER TABLE run_inputs ENABLE ROW LEVEL SECURITY;
ALTER TABLE run_inputs FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON run_inputs USING (workspace_id = ductus_current_workspace());
GRANT SELECT, INSERT, DELETE ON run_inputs TO ductus_app;

-- An immutable version of a dataset. The primary key doubles as UNIQUE (dataset, version):
-- two commits that read the same current version cannot both insert its successor.
CREATE TABLE snapshots (
    workspace_id   uuid        NOT NULL,
    dataset        text        NOT NULL,
    version        bigint      NOT NULL CHECK (version > 0),
    parent_version bigint,
    run_id         uuid        REFERENCES runs ON DELETE SET NULL,
    operation      text        NOT NULL CHECK (operation IN ('append', 'replace', 'merge')),
    row_count      bigint      NOT NULL,
    file_count     integer     NOT NULL,
    bytes          bigint      NOT NULL,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, dataset, version),
    FOREIGN KEY (workspace_id, dataset) REFERENCES datasets (workspace_id, name) ON DELETE CASCADE
);

CREATE INDEX snapshots_run ON snapshots (run_id);

-- The files that make up a snapshot. A file is listed in every snapshot that includes it,
-- so reading a version is one indexed range scan, never a walk up the parent chain.
CREATE TABLE snapshot_files (
    workspace_id uuid   NOT NULL,
    dataset      text   NOT NULL,
    version      bigint NOT NULL,
    path         text   NOT NULL CHECK (path !~ '(^/|(^|/)\.\.(/|$))'),
    rows         bigint NOT NULL,
    bytes        bigint NOT NULL,
    stats        jsonb  NOT NULL DEFAULT '{}',
    PRIMARY KEY (workspace_id, dataset, version, path),
    FOREIGN KEY (workspace_id, dataset, version) REFERENCES snapshots (workspace_id, dataset, version) ON DELETE CASCADE
);

-- The garbage collector asks "is this path referenced by any snapshot?".
CREATE INDEX snapshot_files_path ON snapshot_files (workspace_id, path);

ALTER TABLE snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE snapshots FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON snapshots USING (workspace_id = ductus_current_workspace());

ALTER TABLE snapshot_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE snapshot_files FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON snapshot_files USING (workspace_id = ductus_current_workspace());

GRANT SELECT, INSERT, UPDATE, DELETE ON snapshots, snapshot_files TO ductus_app;

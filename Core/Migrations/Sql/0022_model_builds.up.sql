-- How each model run built its output: in full, or incrementally from the rows its driving input
-- appended since the last build. The next run of an incremental model starts from the last
-- successful build: its fingerprint (a changed SQL, transform, contract or target forces a full
-- rebuild) and the input versions it consumed (run_inputs).
CREATE TABLE model_builds (
    workspace_id uuid    NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    run_id       uuid    PRIMARY KEY REFERENCES runs ON DELETE CASCADE,
    build        text    NOT NULL CHECK (build IN ('full', 'incremental')),
    reason       text    NOT NULL,
    fingerprint  text    NOT NULL,
    driving      text,
    files_read   integer NOT NULL CHECK (files_read >= 0)
);

ALTER TABLE model_builds ENABLE ROW LEVEL SECURITY;
ALTER TABLE model_builds FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON model_builds USING (workspace_id = ductus_current_workspace());
GRANT SELECT, INSERT, DELETE ON model_builds TO ductus_app;

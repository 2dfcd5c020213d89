-- The ingest buffer: records pushed to POST /api/datasets/{name}/records, durable from the
-- moment the request is acknowledged until an ingest pipeline's run has committed them to the
-- lake. A batch is one request; its records are written by binary COPY in the same transaction.
CREATE TABLE ingest_batches (
    id              uuid        PRIMARY KEY,
    workspace_id    uuid        NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    dataset         text        NOT NULL,
    records         integer     NOT NULL DEFAULT 0,
    bytes           bigint      NOT NULL DEFAULT 0,
    format          text        NOT NULL CHECK (format IN ('json', 'ndjson', 'csv')),
    -- The client's Idempotency-Key: a retry finds the batch it already made instead of a second one.
    idempotency_key text,
    received_at     timestamptz NOT NULL,
    -- Set in the same transaction as the snapshot commit of the run that drained the batch.
    consumed_at     timestamptz,
    run_id          uuid        REFERENCES runs ON DELETE SET NULL,
    UNIQUE (workspace_id, dataset, idempotency_key)
);

-- Draining and back-pressure read only the batches still waiting, oldest first.
CREATE INDEX ingest_batches_buffered ON ingest_batches (workspace_id, dataset, received_at) WHERE consumed_at IS NULL;

-- One row per record, deleted when its batch is consumed. No foreign keys: the rows are written
-- at COPY speed and live seconds; the batch row carries the workspace and outlives them.
CREATE TABLE ingest_records (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id uuid   NOT NULL,
    batch_id     uuid   NOT NULL,
    record       jsonb  NOT NULL
);

CREATE INDEX ingest_records_batch ON ingest_records (batch_id);

ALTER TABLE ingest_batches ENABLE ROW LEVEL SECURITY;
ALTER TABLE ingest_batches FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON ingest_batches USING (workspace_id = ductus_current_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON ingest_batches TO ductus_app;

ALTER TABLE ingest_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE ingest_records FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON ingest_records USING (workspace_id = ductus_current_workspace());
GRANT SELECT, INSERT, DELETE ON ingest_records TO ductus_app;
GRANT USAGE ON SEQUENCE ingest_records_id_seq TO ductus_app;

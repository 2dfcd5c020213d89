-- Back to the single buffer table of migration 0013; buffered records keep their batches.
DROP FUNCTION IF EXISTS ductus_ingest_recycle(smallint);
DROP VIEW IF EXISTS ingest_records_visible;
ALTER TABLE ingest_records RENAME TO ingest_records_sliced;
ALTER INDEX ingest_records_batch RENAME TO ingest_records_sliced_batch;

CREATE TABLE ingest_records (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id uuid   NOT NULL,
    batch_id     uuid   NOT NULL,
    record       json   NOT NULL
);
CREATE INDEX ingest_records_batch ON ingest_records (batch_id);

-- A ring slot also holds consumed records that wait for their TRUNCATE; only waiting ones go back.
INSERT INTO ingest_records (workspace_id, batch_id, record)
    SELECT r.workspace_id, r.batch_id, r.record
      FROM ingest_records_sliced r JOIN ingest_batches b ON b.id = r.batch_id
     WHERE b.consumed_at IS NULL;
DROP TABLE ingest_records_sliced;

GRANT INSERT ON ingest_records TO ductus_app;
GRANT USAGE ON SEQUENCE ingest_records_id_seq TO ductus_app;

CREATE VIEW ingest_records_visible WITH (security_barrier) AS
    SELECT id, batch_id, record FROM ingest_records WHERE workspace_id = ductus_current_workspace();
GRANT SELECT, DELETE ON ingest_records_visible TO ductus_app;

DROP INDEX IF EXISTS ingest_batches_waiting_slot;
ALTER TABLE ingest_batches DROP COLUMN IF EXISTS slot;
DROP FUNCTION IF EXISTS ductus_ingest_slot();

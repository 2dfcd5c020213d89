-- The ingest buffer becomes a ring of partitions that are emptied with TRUNCATE instead of a
-- table whose drained rows are deleted one by one. Under sustained pushes the deletes could not
-- be vacuumed fast enough (autovacuum wakes once a minute): after 90 s at 40,000 records/s the
-- table held 6.7 million dead rows in 1.4 GB, every drain scanned all of it, and deleting plus
-- vacuuming cost PostgreSQL more than writing the records had.
--
-- A push writes into the slot of its time: floor(epoch / 10 s) mod 8 (ductus_ingest_slot), and
-- its batch row records the slot. Once every batch in a slot is consumed and no transaction
-- touches it, ductus_ingest_recycle() truncates the slot's partition. Batches still waiting when
-- their slot comes round again (a drain more than a minute behind, a paused pipeline) are moved
-- once to the overflow partition (slot 8), whose rows are deleted when they are consumed.
ALTER TABLE ingest_records RENAME TO ingest_records_unsliced;
ALTER INDEX ingest_records_batch RENAME TO ingest_records_unsliced_batch;
DROP VIEW ingest_records_visible;

CREATE FUNCTION ductus_ingest_slot() RETURNS smallint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT (floor(date_part('epoch', now()) / 10)::bigint % 8)::smallint $$;

-- No key: rows are found by batch, and a surrogate key cost every row a sequence value and a
-- second index entry.
CREATE TABLE ingest_records (
    workspace_id uuid     NOT NULL,
    batch_id     uuid     NOT NULL,
    record       json     NOT NULL,
    slot         smallint NOT NULL DEFAULT ductus_ingest_slot()
) PARTITION BY LIST (slot);

CREATE TABLE ingest_records_0 PARTITION OF ingest_records FOR VALUES IN (0);
CREATE TABLE ingest_records_1 PARTITION OF ingest_records FOR VALUES IN (1);
CREATE TABLE ingest_records_2 PARTITION OF ingest_records FOR VALUES IN (2);
CREATE TABLE ingest_records_3 PARTITION OF ingest_records FOR VALUES IN (3);
CREATE TABLE ingest_records_4 PARTITION OF ingest_records FOR VALUES IN (4);
CREATE TABLE ingest_records_5 PARTITION OF ingest_records FOR VALUES IN (5);
CREATE TABLE ingest_records_6 PARTITION OF ingest_records FOR VALUES IN (6);
CREATE TABLE ingest_records_7 PARTITION OF ingest_records FOR VALUES IN (7);
CREATE TABLE ingest_records_overflow PARTITION OF ingest_records FOR VALUES IN (8);
CREATE INDEX ingest_records_batch ON ingest_records (batch_id);

ALTER TABLE ingest_batches ADD COLUMN slot smallint NOT NULL DEFAULT 8;
ALTER TABLE ingest_batches ALTER COLUMN slot SET DEFAULT ductus_ingest_slot();
CREATE INDEX ingest_batches_waiting_slot ON ingest_batches (slot) WHERE consumed_at IS NULL;

-- Records still buffered when the schema changes go to the overflow slot with their batches.
INSERT INTO ingest_records (workspace_id, batch_id, record, slot)
    SELECT workspace_id, batch_id, record, 8 FROM ingest_records_unsliced ORDER BY id;
DROP TABLE ingest_records_unsliced;

GRANT INSERT ON ingest_records TO ductus_app;

-- As in migration 0013: ductus_app reads and deletes records only through this view, which shows
-- a transaction its own workspace's rows.
CREATE VIEW ingest_records_visible WITH (security_barrier) AS
    SELECT batch_id, record, slot FROM ingest_records WHERE workspace_id = ductus_current_workspace();
GRANT SELECT, DELETE ON ingest_records_visible TO ductus_app;

-- Truncates every ring slot other than p_current whose batches are all consumed, and moves the
-- waiting batches of the slot due next (p_current + 1) to the overflow slot first. A slot some
-- transaction still writes or reads is skipped (NOWAIT), never waited for: the next call takes it.
-- Owner's rights, because a slot holds every workspace's records and TRUNCATE empties it for all
-- of them; row_security = off makes a query that policies would filter fail instead, so a
-- non-superuser owner can never see "nothing waiting" where something waits.
CREATE FUNCTION ductus_ingest_recycle(p_current smallint DEFAULT ductus_ingest_slot()) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path FROM CURRENT
    SET row_security = off
    AS $$
DECLARE
    s smallint;
    part text;
    filled boolean;
    recycled integer := 0;
BEGIN
    IF p_current NOT BETWEEN 0 AND 7 THEN
        RAISE EXCEPTION 'ingest slot % is not a ring slot (0-7)', p_current;
    END IF;
    FOR s IN 0..8 LOOP
        CONTINUE WHEN s = p_current;
        part := CASE WHEN s = 8 THEN 'ingest_records_overflow' ELSE 'ingest_records_' || s END;
        BEGIN
            EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE NOWAIT', part);
        EXCEPTION WHEN lock_not_available THEN
            CONTINUE;
        END;
        EXECUTE format('SELECT EXISTS (SELECT FROM %I)', part) INTO filled;
        CONTINUE WHEN NOT filled;
        IF EXISTS (SELECT FROM ingest_batches WHERE slot = s AND consumed_at IS NULL) THEN
            CONTINUE WHEN s <> (p_current + 1) % 8;
            EXECUTE format(
                'INSERT INTO ingest_records_overflow (workspace_id, batch_id, record, slot)
                 SELECT r.workspace_id, r.batch_id, r.record, 8
                   FROM %I r JOIN ingest_batches b ON b.id = r.batch_id
                  WHERE b.slot = $1 AND b.consumed_at IS NULL', part) USING s;
            UPDATE ingest_batches SET slot = 8 WHERE slot = s AND consumed_at IS NULL;
        END IF;
        EXECUTE format('TRUNCATE %I', part);
        recycled := recycled + 1;
    END LOOP;
    RETURN recycled;
END
$$;
REVOKE ALL ON FUNCTION ductus_ingest_recycle(smallint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ductus_ingest_recycle(smallint) TO ductus_app;

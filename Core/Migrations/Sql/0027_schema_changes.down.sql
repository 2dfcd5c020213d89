-- The record of what changed goes; the snapshots and the files they list stay readable as they were.
ALTER TABLE snapshots DROP COLUMN IF EXISTS schema_changes;

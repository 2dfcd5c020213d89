-- Compaction commits a snapshot of its own, apart from the run that appended the rows: the same
-- rows in fewer files, with no run behind it (run_id NULL).
ALTER TABLE snapshots DROP CONSTRAINT snapshots_operation_check;
ALTER TABLE snapshots ADD CONSTRAINT snapshots_operation_check CHECK (operation IN ('append', 'replace', 'merge', 'compact'));

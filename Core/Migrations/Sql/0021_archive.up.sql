-- Deleting a pipeline or a dataset archives it: the row stays, with its runs, rejects and
-- snapshots, hidden from every list and lookup until it is restored or purged (by an admin, or
-- by retention once archived_at is older than Ductus:Retention:ArchivedFor).
ALTER TABLE pipelines ADD COLUMN archived_at timestamptz, ADD COLUMN archived_by text;
ALTER TABLE datasets ADD COLUMN archived_at timestamptz, ADD COLUMN archived_by text;

-- A rollback commits a new snapshot listing an older version's files; it never rewrites history.
ALTER TABLE snapshots DROP CONSTRAINT snapshots_operation_check;
ALTER TABLE snapshots ADD CONSTRAINT snapshots_operation_check
    CHECK (operation IN ('append', 'replace', 'merge', 'compact', 'rollback'));

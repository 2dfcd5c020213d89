-- Before 0021 a rollback had no name of its own: it replaced the dataset's files with others.
UPDATE snapshots SET operation = 'replace' WHERE operation = 'rollback';
ALTER TABLE snapshots DROP CONSTRAINT snapshots_operation_check;
ALTER TABLE snapshots ADD CONSTRAINT snapshots_operation_check CHECK (operation IN ('append', 'replace', 'merge', 'compact'));

-- Archived rows become visible again: without the columns there is no way to hide them.
ALTER TABLE datasets DROP COLUMN archived_by, DROP COLUMN archived_at;
ALTER TABLE pipelines DROP COLUMN archived_by, DROP COLUMN archived_at;

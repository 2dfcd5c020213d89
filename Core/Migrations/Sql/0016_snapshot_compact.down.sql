-- A compaction snapshot holds exactly the rows of its parent, so before 0016 it reads as an
-- append that added none; relabelling it keeps every version readable.
UPDATE snapshots SET operation = 'append' WHERE operation = 'compact';
ALTER TABLE snapshots DROP CONSTRAINT snapshots_operation_check;
ALTER TABLE snapshots ADD CONSTRAINT snapshots_operation_check CHECK (operation IN ('append', 'replace', 'merge'));

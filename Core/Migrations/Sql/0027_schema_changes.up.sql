-- What a snapshot's run changed in its dataset's columns under schema_evolution: the columns it
-- added and the ones it widened ({"added": [...], "widened": [...]}). NULL when it changed none,
-- and for every snapshot committed before this column existed.
ALTER TABLE snapshots ADD COLUMN schema_changes jsonb;

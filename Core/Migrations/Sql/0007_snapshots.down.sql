DROP TABLE IF EXISTS snapshot_files;
DROP TABLE IF EXISTS snapshots;

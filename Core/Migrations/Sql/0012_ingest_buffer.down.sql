DROP TABLE IF EXISTS ingest_records;
DROP TABLE IF EXISTS ingest_batches;

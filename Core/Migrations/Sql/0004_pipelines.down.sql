DROP TABLE IF EXISTS pipeline_watermarks;
DROP TABLE IF EXISTS pipeline_versions;
DROP TABLE IF EXISTS pipelines;

DROP FUNCTION IF EXISTS ductus_pipeline_schedules();

-- The buffer view compared every row's workspace with ductus_current_workspace(), a STABLE
-- function that PostgreSQL evaluates per row: a settings lookup and a text-to-uuid parse for
-- each of the hundreds of thousands of records a drain reads (perf: about 2% of the machine's
-- CPU during the ingest benchmark). As a scalar sub-select it is an InitPlan, evaluated once
-- per statement; the filter, the security barrier and DELETE through the view are unchanged.
CREATE OR REPLACE VIEW ingest_records_visible WITH (security_barrier) AS
    SELECT batch_id, record, slot FROM ingest_records WHERE workspace_id = (SELECT ductus_current_workspace());

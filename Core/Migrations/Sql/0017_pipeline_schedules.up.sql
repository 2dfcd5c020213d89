-- The Api shows when a pipeline runs next, and Quartz's trigger table is the only place that
-- knows. Services act as ductus_app, which cannot read the quartz schema (it is not workspace
-- data and carries no workspace column), so this function reads it for them: only the cron
-- triggers of the workspace the transaction acts for (a job's group is its workspace's name).
-- next_fire_time is Quartz.NET's UTC ticks (100 ns since 0001-01-01), converted by the caller.
CREATE FUNCTION ductus_pipeline_schedules()
    RETURNS TABLE (pipeline text, cron text, next_fire_ticks bigint, state text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
        SELECT left(t.trigger_name, -length(':cron')), c.cron_expression, t.next_fire_time, t.trigger_state
          FROM quartz.qrtz_triggers t
          JOIN quartz.qrtz_cron_triggers c
            ON c.sched_name = t.sched_name AND c.trigger_name = t.trigger_name AND c.trigger_group = t.trigger_group
          JOIN workspaces w ON w.name = t.trigger_group
         WHERE w.id = ductus_current_workspace()
           AND t.sched_name = 'ductus'
           AND t.trigger_name LIKE '%:cron'
    $$;
REVOKE ALL ON FUNCTION ductus_pipeline_schedules() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ductus_pipeline_schedules() TO ductus_app;

DROP FUNCTION IF EXISTS ductus_current_workspace();
REVOKE ALL ON workspaces FROM ductus_app;
REVOKE USAGE ON SCHEMA public FROM ductus_app;
-- The role is shared by every database of the cluster: drop it only when none uses it any more.
DO $$
BEGIN
    DROP ROLE IF EXISTS ductus_app;
EXCEPTION WHEN dependent_objects_still_exist THEN
    NULL;
END
$$;

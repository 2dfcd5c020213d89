-- ductus_app is the role services act as: it owns nothing and cannot bypass row-level
-- security, so a forgotten workspace filter returns no rows instead of another tenant's.
-- A login role gets it with `GRANT ductus_app TO <login>` (and `ALTER ROLE <login> SET role
-- = 'ductus_app'`), or a superuser connection adopts it with `Options=-c role=ductus_app`.
-- Roles belong to the cluster, not the database, so several databases share it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ductus_app') THEN
        CREATE ROLE ductus_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
EXCEPTION WHEN duplicate_object THEN
    -- Another database's migrator created it at the same moment.
    NULL;
END
$$;

GRANT USAGE ON SCHEMA public TO ductus_app;
-- Workspaces are not tenant data (no RLS); services resolve names to ids through it.
GRANT SELECT, INSERT ON workspaces TO ductus_app;

-- The workspace the current transaction acts for; NULL when unset, so every policy fails closed.
CREATE FUNCTION ductus_current_workspace() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('ductus.workspace_id', true), '')::uuid $$;
GRANT EXECUTE ON FUNCTION ductus_current_workspace() TO ductus_app;

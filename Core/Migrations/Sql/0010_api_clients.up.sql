-- API clients: the keys exchanged at /auth/token for short-lived JWTs. The secret is kept only
-- as a salted PBKDF2 hash, so a database dump never yields a usable key.
CREATE TABLE api_clients (
    id            uuid        PRIMARY KEY,
    workspace_id  uuid        NOT NULL REFERENCES workspaces (id),
    client_id     text        NOT NULL UNIQUE CHECK (client_id ~ '^[a-z0-9][a-z0-9_.-]{0,127}$'),
    secret_hash   text        NOT NULL,
    roles         text[]      NOT NULL
                  CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['admin', 'engineer', 'analyst', 'ingest']::text[]),
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description   text,
    -- Requests per rate-limit window for this client; NULL means the configured default.
    rate_limit    integer     CHECK (rate_limit > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text        NOT NULL,
    revoked_at    timestamptz,
    last_used_at  timestamptz
);

CREATE INDEX api_clients_workspace_idx ON api_clients (workspace_id, created_at);

-- Keys are tenant data: ductus_app sees and changes only the rows of the workspace its
-- transaction acts for (ductus_current_workspace(), migration 0003). Enabled but not forced:
-- the owner must still see every row for the lookup function below.
ALTER TABLE api_clients ENABLE ROW LEVEL SECURITY;
CREATE POLICY api_clients_workspace ON api_clients
    USING (workspace_id = ductus_current_workspace())
    WITH CHECK (workspace_id = ductus_current_workspace());
GRANT SELECT, INSERT, UPDATE ON api_clients TO ductus_app;

-- The token endpoint has to find a client by its id before it knows the client's workspace.
-- This one lookup runs with the owner's rights, returns a single client, and is the only way
-- ductus_app reads across workspaces.
CREATE FUNCTION ductus_find_api_client(p_client_id text)
    RETURNS TABLE (id uuid, workspace_id uuid, workspace_name text, secret_hash text, roles text[], rate_limit integer, revoked boolean)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT c.id, c.workspace_id, w.name, c.secret_hash, c.roles, c.rate_limit, c.revoked_at IS NOT NULL
          FROM api_clients c JOIN workspaces w ON w.id = c.workspace_id
         WHERE c.client_id = p_client_id
    $$;
REVOKE ALL ON FUNCTION ductus_find_api_client(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ductus_find_api_client(text) TO ductus_app;

-- The Api acts as ductus_app from this version on and reports the schema version in
-- /api/system/info (the history table is the migrator's own, created before any migration).
GRANT SELECT ON ductus_schema_history TO ductus_app;

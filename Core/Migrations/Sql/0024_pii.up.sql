-- Personal data (issue 21): a salt per workspace for hash masks, and the pii:read grant.
-- The salt makes a masked value useless outside its workspace (no rainbow table of emails) while
-- equal values still hash equal inside it. It is created lazily by the services (random bytes
-- from .NET, never from the database), kept apart from the workspaces table so no listing of
-- workspaces can carry it, and read only by the workspace's own transactions.
CREATE TABLE pii_salts (
    workspace_id uuid        PRIMARY KEY REFERENCES workspaces (id),
    salt         text        NOT NULL CHECK (length(salt) >= 32),
    created_at   timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE pii_salts ENABLE ROW LEVEL SECURITY;
CREATE POLICY pii_salts_workspace ON pii_salts
    USING (workspace_id = ductus_current_workspace())
    WITH CHECK (workspace_id = ductus_current_workspace());
-- No UPDATE or DELETE: a changed salt would change every hash, and joins across reads with it.
GRANT SELECT, INSERT ON pii_salts TO ductus_app;

-- Grants beside roles: what a key may see, not what it may do. pii:read is the only one so far.
ALTER TABLE api_clients
    ADD COLUMN grants text[] NOT NULL DEFAULT '{}' CHECK (grants <@ ARRAY['pii:read']::text[]);
-- An OIDC session keeps the grants its ID token mapped to at sign-in, as it keeps the roles.
ALTER TABLE api_sessions
    ADD COLUMN grants text[] CHECK (grants <@ ARRAY['pii:read']::text[]);

-- The lookups return the grants too; a new column in the result means drop and create.
DROP FUNCTION ductus_find_api_client(text);
CREATE FUNCTION ductus_find_api_client(p_client_id text)
    RETURNS TABLE (id uuid, workspace_id uuid, workspace_name text, secret_hash text, roles text[], rate_limit integer, revoked boolean,
                   grants text[])
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT c.id, c.workspace_id, w.name, c.secret_hash, c.roles, c.rate_limit, c.revoked_at IS NOT NULL, c.grants
          FROM api_clients c JOIN workspaces w ON w.id = c.workspace_id
         WHERE c.client_id = p_client_id
    $$;
REVOKE ALL ON FUNCTION ductus_find_api_client(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ductus_find_api_client(text) TO ductus_app;

DROP FUNCTION ductus_find_api_session(bytea);
CREATE FUNCTION ductus_find_api_session(p_id_hash bytea)
    RETURNS TABLE (client_id text, workspace_id uuid, workspace_name text, roles text[], rate_limit integer,
                   csrf_token text, expires_at timestamptz, grants text[])
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT s.client_id, c.workspace_id, w.name, c.roles, c.rate_limit, s.csrf_token, s.expires_at, c.grants
          FROM api_sessions s
          JOIN api_clients c ON c.client_id = s.client_id AND c.workspace_id = s.workspace_id AND c.revoked_at IS NULL
          JOIN workspaces w ON w.id = c.workspace_id
         WHERE s.id_hash = p_id_hash AND s.method = 'api_key'
        UNION ALL
        SELECT s.subject, s.workspace_id, w.name, s.roles, NULL, s.csrf_token, s.expires_at, coalesce(s.grants, '{}')
          FROM api_sessions s
          JOIN workspaces w ON w.id = s.workspace_id
         WHERE s.id_hash = p_id_hash AND s.method = 'oidc'
    $$;
REVOKE ALL ON FUNCTION ductus_find_api_session(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ductus_find_api_session(bytea) TO ductus_app;

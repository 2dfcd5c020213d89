-- Browser sessions: the web UI signs in once with an API key and then sends an HttpOnly cookie.
-- The cookie holds a random id; only its SHA-256 is kept here, so a database dump yields no
-- usable cookie. The session lives in PostgreSQL, not in one Api process, so signing out on one
-- replica ends it on every replica.
CREATE TABLE api_sessions (
    id_hash       bytea       PRIMARY KEY CHECK (length(id_hash) = 32),
    workspace_id  uuid        NOT NULL REFERENCES workspaces (id),
    -- Roles and rate limit are read from the key at each request, so a session never outlives
    -- or outranks its key; deleting a key's row (never done: keys are revoked) takes its sessions.
    client_id     text        NOT NULL REFERENCES api_clients (client_id) ON DELETE CASCADE,
    -- Returned to the page (GET /auth/session) and echoed in X-CSRF-Token on unsafe requests;
    -- kept in clear because the page must be able to read it again after a reload.
    csrf_token    text        NOT NULL CHECK (length(csrf_token) >= 32),
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL CHECK (expires_at > created_at)
);

CREATE INDEX api_sessions_expires_idx ON api_sessions (workspace_id, expires_at);

-- Tenant data like the keys: ductus_app sees and changes only its workspace's sessions. Enabled
-- but not forced, as for api_clients, so the lookup function below (run as the owner) finds a
-- session before it knows the workspace.
ALTER TABLE api_sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY api_sessions_workspace ON api_sessions
    USING (workspace_id = ductus_current_workspace())
    WITH CHECK (workspace_id = ductus_current_workspace());
GRANT SELECT, INSERT, DELETE ON api_sessions TO ductus_app;

-- A request carries only the cookie. This lookup answers for one session, and only while its
-- key is not revoked, so revoking a key ends its sessions at the next request on every replica.
-- Expiry is the caller's check (against its own clock, which tests can control).
CREATE FUNCTION ductus_find_api_session(p_id_hash bytea)
    RETURNS TABLE (client_id text, workspace_id uuid, workspace_name text, roles text[], rate_limit integer,
                   csrf_token text, expires_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT s.client_id, c.workspace_id, w.name, c.roles, c.rate_limit, s.csrf_token, s.expires_at
          FROM api_sessions s
          JOIN api_clients c ON c.client_id = s.client_id AND c.workspace_id = s.workspace_id AND c.revoked_at IS NULL
          JOIN workspaces w ON w.id = c.workspace_id
         WHERE s.id_hash = p_id_hash
    $$;
REVOKE ALL ON FUNCTION ductus_find_api_session(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ductus_find_api_session(bytea) TO ductus_app;

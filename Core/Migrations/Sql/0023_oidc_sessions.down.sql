-- Sessions without a key cannot be kept by the old schema: those users sign in again.
DELETE FROM api_sessions WHERE method = 'oidc';

CREATE OR REPLACE FUNCTION ductus_find_api_session(p_id_hash bytea)
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

ALTER TABLE api_sessions
    DROP CONSTRAINT api_sessions_one_identity,
    ALTER COLUMN client_id SET NOT NULL,
    DROP COLUMN roles,
    DROP COLUMN subject,
    DROP COLUMN method;

-- Browser sessions opened through an external OpenID Connect issuer (GET /auth/oidc/callback).
-- Such a user has no API key: the session keeps the subject and the roles the issuer's ID token
-- gave at sign-in, and lasts until it expires or is signed out. A key session keeps reading
-- its roles from the key, so revoking the key still ends it at once.
ALTER TABLE api_sessions
    ADD COLUMN method  text   NOT NULL DEFAULT 'api_key' CHECK (method IN ('api_key', 'oidc')),
    ADD COLUMN subject text   CHECK (length(subject) BETWEEN 1 AND 255),
    ADD COLUMN roles   text[] CHECK (cardinality(roles) > 0),
    ALTER COLUMN client_id DROP NOT NULL,
    -- Exactly one source of identity per row: a key, or the issuer's subject with its roles.
    ADD CONSTRAINT api_sessions_one_identity CHECK (
        (method = 'api_key' AND client_id IS NOT NULL AND subject IS NULL AND roles IS NULL)
        OR (method = 'oidc' AND client_id IS NULL AND subject IS NOT NULL AND roles IS NOT NULL));

-- Same columns as before, so callers are unchanged; client_id is the subject for an issuer's
-- user (what the audit log and the rate limit call it, as for its bearer tokens) and the rate
-- limit is the Api's default.
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
         WHERE s.id_hash = p_id_hash AND s.method = 'api_key'
        UNION ALL
        SELECT s.subject, s.workspace_id, w.name, s.roles, NULL, s.csrf_token, s.expires_at
          FROM api_sessions s
          JOIN workspaces w ON w.id = s.workspace_id
         WHERE s.id_hash = p_id_hash AND s.method = 'oidc'
    $$;

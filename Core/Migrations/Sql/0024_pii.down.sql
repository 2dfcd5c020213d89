DROP FUNCTION ductus_find_api_session(bytea);
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
         WHERE s.id_hash = p_id_hash AND s.method = 'api_key'
        UNION ALL
        SELECT s.subject, s.workspace_id, w.name, s.roles, NULL, s.csrf_token, s.expires_at
          FROM api_sessions s
          JOIN workspaces w ON w.id = s.workspace_id
         WHERE s.id_hash = p_id_hash AND s.method = 'oidc'
    $$;
REVOKE ALL ON FUNCTION ductus_find_api_session(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ductus_find_api_session(bytea) TO ductus_app;

DROP FUNCTION ductus_find_api_client(text);
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

ALTER TABLE api_sessions DROP COLUMN grants;
ALTER TABLE api_clients DROP COLUMN grants;
DROP TABLE pii_salts;

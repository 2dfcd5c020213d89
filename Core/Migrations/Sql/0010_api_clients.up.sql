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

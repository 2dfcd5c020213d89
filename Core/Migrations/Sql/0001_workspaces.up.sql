-- Every metadata row carries workspace_id; the workspace is the unit of isolation.
CREATE TABLE workspaces (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The bootstrap workspace, so a fresh install has somewhere to put the admin client.
INSERT INTO workspaces (id, name) VALUES ('00000000-0000-0000-0000-000000000001', 'default');

-- Operations (issue 22): every webhook delivery attempt, the freshness breach each dataset is in,
-- and the audit archive that retention moves old audit rows to.

-- One row per attempt to deliver an alert to one webhook, so an operator can see what a receiver
-- answered (GET /api/alerts/deliveries) instead of reading the Pipelines log. Pruned by retention.
CREATE TABLE alert_deliveries (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id uuid        NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    alert_id     uuid        NOT NULL,
    kind         text        NOT NULL,
    pipeline     text        NOT NULL,
    dataset      text        NOT NULL,
    webhook      text        NOT NULL,
    attempt      integer     NOT NULL CHECK (attempt >= 1),
    status_code  integer,
    error        text,
    delivered    boolean     NOT NULL,
    duration_ms  integer     NOT NULL CHECK (duration_ms >= 0),
    at           timestamptz NOT NULL
);

CREATE INDEX alert_deliveries_workspace_id ON alert_deliveries (workspace_id, id DESC);
CREATE INDEX alert_deliveries_workspace_at ON alert_deliveries (workspace_id, at);

ALTER TABLE alert_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON alert_deliveries USING (workspace_id = ductus_current_workspace());
GRANT SELECT, INSERT, DELETE ON alert_deliveries TO ductus_app;
GRANT USAGE ON SEQUENCE alert_deliveries_id_seq TO ductus_app;

-- The freshness breach a dataset is in, if any: the checker alerts when a row appears or its level
-- rises, and sends the recovery notice when it deletes the row. Kept here, not in a node's memory,
-- so a breach is announced once however many nodes run and however often they restart.
CREATE TABLE dataset_freshness_alerts (
    workspace_id uuid        NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    dataset      text        NOT NULL,
    pipeline     text        NOT NULL,
    level        text        NOT NULL CHECK (level IN ('warn', 'error')),
    since        timestamptz NOT NULL,
    raised_at    timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, dataset)
);

ALTER TABLE dataset_freshness_alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE dataset_freshness_alerts FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON dataset_freshness_alerts USING (workspace_id = ductus_current_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON dataset_freshness_alerts TO ductus_app;

-- Retention deletes consumed ingest batches by age; the partial index keeps the buffered ones' out.
CREATE INDEX ingest_batches_consumed ON ingest_batches (workspace_id, consumed_at) WHERE consumed_at IS NOT NULL;

-- Audit rows older than Ductus:Retention:AuditMaxAge move here, never away: same columns and ids,
-- plus when they were moved, and as immutable as audit_log itself.
CREATE TABLE audit_archive (
    id           bigint      PRIMARY KEY,
    workspace_id uuid        NOT NULL REFERENCES workspaces (id),
    actor        text        NOT NULL,
    action       text        NOT NULL,
    target       text        NOT NULL,
    details      jsonb       NOT NULL,
    at           timestamptz NOT NULL,
    request_id   text,
    archived_at  timestamptz NOT NULL
);

CREATE INDEX audit_archive_workspace_at_idx ON audit_archive (workspace_id, at DESC);

ALTER TABLE audit_archive ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_archive FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_archive_workspace ON audit_archive
    USING (workspace_id = ductus_current_workspace())
    WITH CHECK (workspace_id = ductus_current_workspace());
-- Services read it; only ductus_archive_audit (below) writes it.
GRANT SELECT ON audit_archive TO ductus_app;

CREATE FUNCTION ductus_audit_archive_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'audit_archive is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_archive_no_rewrite BEFORE UPDATE OR DELETE ON audit_archive
    FOR EACH ROW EXECUTE FUNCTION ductus_audit_archive_append_only();
CREATE TRIGGER audit_archive_no_truncate BEFORE TRUNCATE ON audit_archive
    FOR EACH STATEMENT EXECUTE FUNCTION ductus_audit_archive_append_only();

-- audit_log stays append-only with one exception: a row may leave it once an identical copy is
-- in audit_archive. So even the owner cannot lose an audit row, only move it.
CREATE OR REPLACE FUNCTION ductus_audit_log_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM audit_archive a
         WHERE a.id = OLD.id AND a.workspace_id = OLD.workspace_id AND a.actor = OLD.actor
           AND a.action = OLD.action AND a.target = OLD.target AND a.details = OLD.details
           AND a.at = OLD.at AND a.request_id IS NOT DISTINCT FROM OLD.request_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

-- Moves the current workspace's audit rows older than p_before (at most p_limit, oldest first)
-- to audit_archive in one transaction. SECURITY DEFINER because ductus_app may neither delete
-- from audit_log nor write the archive; this is the only way it can.
CREATE FUNCTION ductus_archive_audit(p_before timestamptz, p_limit integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    ws uuid := ductus_current_workspace();
    ids bigint[];
    moved integer;
BEGIN
    IF ws IS NULL THEN
        RAISE EXCEPTION 'ductus_archive_audit acts for one workspace: set ductus.workspace_id first';
    END IF;
    SELECT array_agg(id) INTO ids
      FROM (SELECT id FROM audit_log WHERE workspace_id = ws AND at < p_before ORDER BY id LIMIT p_limit) oldest;
    IF ids IS NULL THEN
        RETURN 0;
    END IF;
    INSERT INTO audit_archive (id, workspace_id, actor, action, target, details, at, request_id, archived_at)
    SELECT id, workspace_id, actor, action, target, details, at, request_id, now()
      FROM audit_log WHERE id = ANY (ids);
    GET DIAGNOSTICS moved = ROW_COUNT;
    DELETE FROM audit_log WHERE id = ANY (ids);
    RETURN moved;
END
$$;
REVOKE ALL ON FUNCTION ductus_archive_audit(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ductus_archive_audit(timestamptz, integer) TO ductus_app;

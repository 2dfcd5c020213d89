// One pipeline: owner and tags, schedule and next fire time, enable/disable, Run now, archive and
// restore, its spec (view, edit, save with errors at their paths) and its version history with a diff.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "react-router-dom";
import { stringify } from "yaml";
import { ApiError, apiFetch } from "../../api/client";
import type { Pipeline, PipelineVersions as Versions, Run } from "../../api/types";
import { useSession } from "../../api/session";
import { ArchiveControls, RestoreOffer } from "../../components/ArchiveControls";
import { Async, Empty } from "../../components/States";
import { formatRelative, formatTime } from "../../format";
import { TagList } from "../datasets/TagList";
import { nextFire } from "./PipelinesPage";
import { PipelineVersions } from "./PipelineVersions";
import { SpecEditor } from "./SpecEditor";

export default function PipelinePage() {
  const name = useParams().name ?? "";
  const pipeline = useQuery({
    queryKey: ["pipeline", name],
    queryFn: () => apiFetch<Pipeline>(`/api/pipelines/${encodeURIComponent(name)}`),
  });
  return (
    <div className="page">
      <p className="muted">
        <Link to="/pipelines">Pipelines</Link> /
      </p>
      <Async query={pipeline} what="pipeline">
        {(p) => <PipelineDetail pipeline={p} />}
      </Async>
      {pipeline.error instanceof ApiError && pipeline.error.status === 404 && (
        <RestoreOffer kind="pipeline" name={name} note={`If ${name} was archived, it can be restored with its versions, runs and rejects.`} />
      )}
    </div>
  );
}

function PipelineDetail({ pipeline }: { pipeline: Pipeline }) {
  const { can } = useSession();
  const engineer = can("engineer");
  const client = useQueryClient();
  const navigate = useNavigate();
  const path = `/api/pipelines/${encodeURIComponent(pipeline.name)}`;
  const versions = useQuery({
    queryKey: ["pipeline-versions", pipeline.name],
    queryFn: () => apiFetch<Versions>(`${path}/versions`),
  });
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ["pipeline", pipeline.name] });
    void client.invalidateQueries({ queryKey: ["pipeline-versions", pipeline.name] });
    void client.invalidateQueries({ queryKey: ["pipelines"] });
  };
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => apiFetch<Pipeline>(path, { method: "PATCH", body: JSON.stringify({ enabled }) }),
    onSuccess: (updated) => {
      client.setQueryData(["pipeline", pipeline.name], updated);
      refresh();
    },
  });
  const runNow = useMutation({
    mutationFn: () => apiFetch<Run>(`${path}/runs`, { method: "POST" }),
    onSuccess: (run) => navigate(`/runs/${run.id}`),
  });
  // The stored text when the history has it (comments and key order as written), else the
  // parsed spec rendered as YAML.
  const current = versions.data?.items.find((v) => v.version === pipeline.version);
  const specText = current?.spec ?? stringify(pipeline.spec ?? {});
  const next = nextFire(pipeline);

  return (
    <>
      <h1>
        {pipeline.name} <span className="muted">v{pipeline.version}</span>
      </h1>
      <div className="toolbar">
        {engineer ? (
          <label className="toggle">
            <input type="checkbox" data-testid="pipeline-enabled" checked={pipeline.enabled} disabled={toggle.isPending} onChange={(e) => toggle.mutate(e.target.checked)} /> {pipeline.enabled ? "Enabled" : "Paused"}
          </label>
        ) : (
          <span className={`badge ${pipeline.enabled ? "fresh" : "unknown"}`} data-testid="pipeline-enabled-state">
            {pipeline.enabled ? "enabled" : "paused"}
          </span>
        )}
        {engineer && (
          <button type="button" className="primary" data-testid="pipeline-run-now" disabled={runNow.isPending} onClick={() => runNow.mutate()}>
            {runNow.isPending ? <span className="spinner" aria-hidden="true" /> : null} Run now
          </button>
        )}
        <Link to={`/runs?pipeline=${encodeURIComponent(pipeline.name)}`}>Runs</Link>
        <Link to={`/datasets/${encodeURIComponent(pipeline.dataset)}`}>Dataset {pipeline.dataset}</Link>
        <ArchiveControls kind="pipeline" name={pipeline.name} />
      </div>
      {pipeline.description && <p data-testid="pipeline-description">{pipeline.description}</p>}
      {toggle.error && (
        <p className="state error" role="alert" data-testid="pipeline-action-error">
          {toggle.error.message}
        </p>
      )}
      {runNow.error && (
        <p className="state error" role="alert" data-testid="pipeline-action-error">
          {runNow.error.message}
        </p>
      )}
      <dl className="facts">
        <div>
          <dt>Owner</dt>
          <dd data-testid="pipeline-owner">{pipeline.owner ?? "—"}</dd>
        </div>
        <div>
          <dt>Tags</dt>
          <dd>
            <TagList tags={pipeline.tags} />
          </dd>
        </div>
        <div>
          <dt>Schedule</dt>
          <dd data-testid="pipeline-schedule">{pipeline.schedule ? <code>{pipeline.schedule}</code> : "none (runs only when triggered)"}</dd>
        </div>
        <div>
          <dt>Next fire</dt>
          <dd data-testid="pipeline-next-fire" data-at={next ?? ""} title={next ?? undefined}>
            {next ? `${formatTime(next)} (${formatRelative(next)})` : pipeline.nextRunNote ?? "—"}
          </dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>{formatTime(pipeline.updatedAt)}</dd>
        </div>
      </dl>

      <h2>Spec</h2>
      <SpecEditor key={`${pipeline.name}@${pipeline.version}:${current ? "text" : "parsed"}`} name={pipeline.name} text={specText} canEdit={engineer} onSaved={refresh} />

      <h2>Version history</h2>
      {versions.error instanceof ApiError && versions.error.status === 404 ? (
        <Empty>This Api does not keep a version history yet.</Empty>
      ) : (
        <Async query={versions} what="versions">
          {(v) => <PipelineVersions items={v.items} />}
        </Async>
      )}
    </>
  );
}

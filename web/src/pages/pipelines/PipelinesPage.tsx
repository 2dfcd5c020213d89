// The workspace's pipelines: owner, enabled, schedule, next fire time and the last run's status.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { apiFetch } from "../../api/client";
import type { Pipeline, Run } from "../../api/types";
import { Async, Empty } from "../../components/States";
import { formatRelative, formatTime } from "../../format";

export function nextFire(p: Pipeline): string | null | undefined {
  return p.nextFireAt ?? p.nextRunAt;
}

export default function PipelinesPage() {
  const pipelines = useQuery({
    queryKey: ["pipelines"],
    queryFn: async () => (await apiFetch<{ items: Pipeline[] }>("/api/pipelines")).items,
  });
  // Newest first: the first run seen per pipeline is its last one.
  const runs = useQuery({
    queryKey: ["runs", "latest"],
    queryFn: async () => (await apiFetch<{ items: Run[] }>("/api/runs?limit=200")).items,
  });
  const lastRun = new Map<string, Run>();
  for (const run of runs.data ?? []) {
    if (!lastRun.has(run.pipeline)) {
      lastRun.set(run.pipeline, run);
    }
  }
  return (
    <div className="page">
      <h1>Pipelines</h1>
      <Async query={pipelines} what="pipelines">
        {(items) =>
          items.length === 0 ? (
            <Empty>No pipelines yet: create one with POST /api/pipelines (see docs/api.md).</Empty>
          ) : (
            <div className="table-wrap">
              <table data-testid="pipelines-table">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Dataset</th>
                    <th>Owner</th>
                    <th>Enabled</th>
                    <th>Schedule</th>
                    <th>Next fire</th>
                    <th>Last run</th>
                    <th className="num">Version</th>
                  </tr>
                </thead>
                <tbody>
                  {[...items]
                    .sort((a, b) => a.name.localeCompare(b.name))
                    .map((p) => {
                      const run = lastRun.get(p.name);
                      const next = nextFire(p);
                      return (
                        <tr key={p.name} data-testid="pipeline-row" data-pipeline={p.name} data-enabled={p.enabled}>
                          <td>
                            <Link to={`/pipelines/${encodeURIComponent(p.name)}`}>{p.name}</Link>
                          </td>
                          <td>
                            <Link to={`/datasets/${encodeURIComponent(p.dataset)}`}>{p.dataset}</Link>
                          </td>
                          <td data-testid="pipeline-owner">{p.owner ?? <span className="muted">—</span>}</td>
                          <td>{p.enabled ? <span className="badge fresh">enabled</span> : <span className="badge unknown">paused</span>}</td>
                          <td>{p.schedule ? <code>{p.schedule}</code> : <span className="muted">manual</span>}</td>
                          <td title={next ? next : p.nextRunNote ?? undefined}>
                            {next ? (
                              <>
                                {formatTime(next)} <span className="muted">{formatRelative(next)}</span>
                              </>
                            ) : (
                              <span className="muted">—</span>
                            )}
                          </td>
                          <td>
                            {run ? (
                              <Link to={`/runs/${run.id}`} title={formatTime(run.createdAt)}>
                                <span className={`badge ${run.status}`} data-testid="pipeline-last-run" data-status={run.status}>
                                  {run.status}
                                </span>
                              </Link>
                            ) : runs.isPending ? (
                              <span className="spinner" aria-label="loading runs" />
                            ) : (
                              <span className="muted">never run</span>
                            )}
                          </td>
                          <td className="num">{p.version}</td>
                        </tr>
                      );
                    })}
                </tbody>
              </table>
            </div>
          )
        }
      </Async>
    </div>
  );
}

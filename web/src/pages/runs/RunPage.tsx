// One run: its numbers, its steps (live while it runs), its error, and the actions on it.
import { useCallback, useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "react-router-dom";
import { apiFetch } from "../../api/client";
import type { RunEvent } from "../../api/types";
import { useSession } from "../../api/session";
import { Async } from "../../components/States";
import { finalStatuses, formatBytes, formatMs, formatCount, formatTime, runDuration } from "../../format";
import { RunBuild, RunInputs, triggerLabel } from "./RunInputs";
import { useNow } from "./RunsPage";
import { StepTimeline, type LiveStep } from "./StepTimeline";
import type { Run } from "./types";
import { LiveIndicator, useEventStream, type StreamMode } from "./useEventStream";

export default function RunPage() {
  const { id = "" } = useParams();
  // A new run (after a replay) starts with no live steps of the previous one.
  return <RunView key={id} id={id} />;
}

function RunView({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const [live, setLive] = useState<Record<string, LiveStep>>({});
  const mode = useRef<StreamMode>("closed");

  const run = useQuery({
    queryKey: ["runs", "detail", id],
    queryFn: ({ signal }) => apiFetch<Run>(`/api/runs/${encodeURIComponent(id)}`, { signal }),
    // Without the stream, a running run is refreshed by polling.
    refetchInterval: (q) => (q.state.data && !finalStatuses.has(q.state.data.status) && mode.current === "polling" ? 5_000 : false),
  });
  const running = !!run.data && !finalStatuses.has(run.data.status);

  const onEvent = useCallback(
    (name: string, data: unknown) => {
      if (!data || typeof data !== "object") return;
      const event = data as RunEvent & Partial<Run>;
      if (name === "step" || event.type === "step") {
        if (event.step) {
          const step = event.step;
          setLive((prev) => ({ ...prev, [step]: { state: event.state ?? "started", rows: event.rows ?? prev[step]?.rows, milliseconds: event.milliseconds } }));
        }
      } else if (event.id === id && typeof event.status === "string" && "pipeline" in event) {
        queryClient.setQueryData(["runs", "detail", id], event as Run);
      } else {
        void queryClient.invalidateQueries({ queryKey: ["runs", "detail", id] });
      }
    },
    [id, queryClient],
  );
  mode.current = useEventStream(running ? `/api/runs/${id}/events` : null, onEvent, {
    endOn: (name, data, lastId) => {
      const event = data as RunEvent | null;
      return lastId === "end" || (name !== "step" && event?.type !== "step" && finalStatuses.has(event?.status ?? ""));
    },
  });

  return (
    <div className="page run-page">
      <Async query={run} what="run">
        {(r) => <RunDetails run={r} live={live} mode={running ? mode.current : "closed"} />}
      </Async>
    </div>
  );
}

function RunDetails({ run, live, mode }: { run: Run; live: Record<string, LiveStep>; mode: StreamMode }) {
  const now = useNow(!finalStatuses.has(run.status));
  return (
    <>
      <div className="toolbar page-head">
        <h1>
          Run of <Link to={`/pipelines/${encodeURIComponent(run.pipeline)}`}>{run.pipeline}</Link>
        </h1>
        <span className={`badge ${run.status}`} data-testid="run-status">
          {run.status}
        </span>
        <LiveIndicator mode={mode} />
        <RunActions run={run} />
      </div>
      {run.error && (
        <div className="state error" data-testid="run-error" role="alert">
          <strong>Failed{run.errorStep ? ` in ${run.errorStep}` : ""}:</strong> <span className="mono">{run.error}</span>
        </div>
      )}
      <div className="grid2">
        <section className="panel">
          <h2>Details</h2>
          <dl className="facts">
            <dt>Run</dt>
            <dd className="mono">{run.id}</dd>
            <dt>Trigger</dt>
            <dd>
              <span data-testid="run-trigger">{triggerLabel(run.trigger)}</span>
              {run.replayOf && (
                <>
                  {" "}
                  of <Link to={`/runs/${run.replayOf}`}>an earlier run</Link>
                </>
              )}
              {run.attempt > 1 && <span className="muted"> (attempt {run.attempt})</span>}
            </dd>
            <dt>Spec version</dt>
            <dd data-testid="run-spec-version">{run.pipelineVersion ?? "—"}</dd>
            <dt>Dataset</dt>
            <dd>
              <Link to={`/datasets/${encodeURIComponent(run.dataset)}`}>{run.dataset}</Link>
              {run.snapshotVersion != null && <span className="muted"> → version {run.snapshotVersion}</span>}
            </dd>
            {run.inputs && run.inputs.length > 0 && (
              <>
                <dt>Inputs</dt>
                <dd>
                  <RunInputs inputs={run.inputs} />
                </dd>
              </>
            )}
            {run.build && (
              <>
                <dt>Build</dt>
                <dd>
                  <RunBuild build={run.build} />
                </dd>
              </>
            )}
            <dt>Queued</dt>
            <dd>{formatTime(run.createdAt)}</dd>
            <dt>Started</dt>
            <dd>{formatTime(run.startedAt)}</dd>
            <dt>Finished</dt>
            <dd>{formatTime(run.finishedAt)}</dd>
            <dt>Duration</dt>
            <dd data-testid="run-duration">{formatMs(runDuration(run, now))}</dd>
          </dl>
        </section>
        <section className="panel">
          <h2>Rows</h2>
          <dl className="facts">
            <dt>Read</dt>
            <dd className="num">{formatCount(run.rowsRead)}</dd>
            <dt>Loaded</dt>
            <dd className="num" data-testid="run-rows-loaded">
              {formatCount(run.rowsLoaded)}
            </dd>
            <dt>Rejected</dt>
            <dd className="num" data-testid="run-rows-rejected">
              {formatCount(run.rowsRejected)}
            </dd>
            <dt>Bytes</dt>
            <dd className="num">{formatBytes(run.bytes)}</dd>
          </dl>
          {run.rowsRejected > 0 ? (
            <Link to={`/runs/${run.id}/rejects`} data-testid="run-rejects-link" className="rejects-link">
              {formatCount(run.rowsRejected)} rejected rows — see why
            </Link>
          ) : (
            <p className="muted">No rows rejected.</p>
          )}
        </section>
      </div>
      <section className="panel">
        <h2>Steps</h2>
        <StepTimeline run={run} live={live} />
      </section>
    </>
  );
}

function RunActions({ run }: { run: Run }) {
  const { can } = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const replay = useMutation({
    mutationFn: () => apiFetch<Run>(`/api/runs/${run.id}/replay`, { method: "POST" }),
    onSuccess: (next) => {
      void queryClient.invalidateQueries({ queryKey: ["runs"] });
      navigate(`/runs/${next.id}`);
    },
  });
  const cancel = useMutation({
    mutationFn: () => apiFetch<Run>(`/api/runs/${run.id}/cancel`, { method: "POST" }),
    onSuccess: (cancelled) => {
      queryClient.setQueryData(["runs", "detail", run.id], cancelled);
      void queryClient.invalidateQueries({ queryKey: ["runs", "list"] });
    },
  });
  if (!can("engineer")) {
    return null;
  }
  const error = replay.error ?? cancel.error;
  return (
    <div className="toolbar actions">
      {!finalStatuses.has(run.status) && (
        <button type="button" data-testid="run-cancel" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
          {cancel.isPending ? "Cancelling…" : "Cancel run"}
        </button>
      )}
      <button
        type="button"
        className="primary"
        data-testid="run-replay"
        disabled={replay.isPending || run.rowsRejected === 0}
        title={run.rowsRejected === 0 ? "Only a run with rejected rows can be replayed." : "Run the rejected rows again against the pipeline's current spec."}
        onClick={() => replay.mutate()}
      >
        {replay.isPending ? "Replaying…" : "Replay rejects"}
      </button>
      {error && (
        <span className="state error inline" data-testid="run-action-error" role="alert">
          {error.message}
        </span>
      )}
    </div>
  );
}

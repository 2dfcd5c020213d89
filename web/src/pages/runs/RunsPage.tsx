// The landing page: the workspace's runs, newest first, kept current by the runs event stream
// (or by polling when the stream is unavailable). Deliberately light: no chart or editor imports.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { apiFetch } from "../../api/client";
import { Empty, ErrorState, Loading } from "../../components/States";
import { finalStatuses, formatAgo, formatBytes, formatMs, formatCount, formatTime, runDuration } from "../../format";
import { triggerLabel } from "./RunInputs";
import type { Pipeline, Run, RunList } from "./types";
import { LiveIndicator, useEventStream } from "./useEventStream";


const statuses = ["queued", "running", "succeeded", "failed", "cancelled"];
const sinceOptions: Record<string, { label: string; ms?: number }> = {
  "1h": { label: "Last hour", ms: 3_600_000 },
  "24h": { label: "Last 24 hours", ms: 86_400_000 },
  "7d": { label: "Last 7 days", ms: 7 * 86_400_000 },
  all: { label: "All time" },
};
const pageSize = 50;

export default function RunsPage() {
  const [params, setParams] = useSearchParams();
  const pipeline = params.get("pipeline") ?? "";
  const status = params.get("status") ?? "";
  const since = params.get("since") ?? "all";
  const queryClient = useQueryClient();

  const setFilter = (key: string, value: string, fallback = "") => {
    const next = new URLSearchParams(params);
    if (value === fallback) {
      next.delete(key);
    } else {
      next.set(key, value);
    }
    setParams(next, { replace: true });
  };

  // Many events can arrive at once (every step of every run): refetch at most twice a second.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const onEvent = useCallback(() => {
    if (pending.current) {
      return;
    }
    pending.current = setTimeout(() => {
      pending.current = undefined;
      void queryClient.invalidateQueries({ queryKey: ["runs"] });
    }, 500);
  }, [queryClient]);
  useEffect(() => () => clearTimeout(pending.current), []);
  const mode = useEventStream("/api/runs/events", onEvent);

  const runs = useInfiniteQuery({
    queryKey: ["runs", "list", { pipeline, status }],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => {
      const q = new URLSearchParams({ limit: String(pageSize) });
      if (pipeline) q.set("pipeline", pipeline);
      if (status) q.set("status", status);
      if (pageParam) q.set("cursor", pageParam);
      return apiFetch<RunList>(`/api/runs?${q}`, { signal });
    },
    getNextPageParam: (last) => last.nextCursor ?? null,
    refetchInterval: mode === "polling" ? 10_000 : false,
  });

  const pipelines = useQuery({
    queryKey: ["pipelines", "names"],
    queryFn: ({ signal }) => apiFetch<{ items: Pick<Pipeline, "name">[] }>("/api/pipelines", { signal }),
    staleTime: 60_000,
  });
  const pipelineNames = useMemo(() => {
    const names = new Set((pipelines.data?.items ?? []).map((p) => p.name));
    if (pipeline) names.add(pipeline);
    return [...names].sort();
  }, [pipelines.data, pipeline]);

  const cutoff = sinceOptions[since]?.ms ? Date.now() - sinceOptions[since]!.ms! : undefined;
  const all = useMemo(() => runs.data?.pages.flatMap((p) => p.items) ?? [], [runs.data]);
  const visible = cutoff ? all.filter((r) => Date.parse(r.createdAt) >= cutoff) : all;
  // Runs come newest first: once the last loaded run is older than the window, no later page can match.
  const lastLoaded = all[all.length - 1];
  const moreMayMatch = runs.hasNextPage && (!cutoff || (lastLoaded !== undefined && Date.parse(lastLoaded.createdAt) >= cutoff));
  const now = useNow(visible.some((r) => !finalStatuses.has(r.status)));

  return (
    <div className="page runs-page">
      <div className="toolbar page-head">
        <h1>Runs</h1>
        <LiveIndicator mode={mode} />
      </div>
      <div className="toolbar" role="search">
        <label>
          <span className="muted">Pipeline </span>
          <select data-testid="runs-filter-pipeline" value={pipeline} onChange={(e) => setFilter("pipeline", e.target.value)}>
            <option value="">All pipelines</option>
            {pipelineNames.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span className="muted">Status </span>
          <select data-testid="runs-filter-status" value={status} onChange={(e) => setFilter("status", e.target.value)}>
            <option value="">Any status</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span className="muted">Started </span>
          <select data-testid="runs-filter-since" value={since} onChange={(e) => setFilter("since", e.target.value, "all")}>
            {Object.entries(sinceOptions).map(([value, o]) => (
              <option key={value} value={value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        {runs.isFetching && !runs.isPending && <span className="spinner" role="status" aria-label="Refreshing" />}
      </div>
      {runs.isPending ? (
        <Loading what="runs" />
      ) : runs.error && all.length === 0 ? (
        <ErrorState error={runs.error} retry={() => void runs.refetch()} />
      ) : visible.length === 0 && !moreMayMatch ? (
        <Empty>{pipeline || status || cutoff ? "No runs match these filters." : "No runs yet. Trigger a pipeline to see its runs here."}</Empty>
      ) : (
        <>
          <RunsTable runs={visible} now={now} />
          {moreMayMatch && (
            <div className="toolbar load-more">
              <button type="button" data-testid="runs-more" disabled={runs.isFetchingNextPage} onClick={() => void runs.fetchNextPage()}>
                {runs.isFetchingNextPage ? "Loading…" : "Load older runs"}
              </button>
            </div>
          )}
        </>
      )}
    </div>
  );
}

function RunsTable({ runs, now }: { runs: Run[]; now: number }) {
  const navigate = useNavigate();
  return (
    <div className="table-wrap">
      <table data-testid="runs-table">
        <thead>
          <tr>
            <th>Pipeline</th>
            <th>Status</th>
            <th>Trigger</th>
            <th>Started</th>
            <th className="num">Duration</th>
            <th className="num">Rows loaded</th>
            <th className="num">Rows rejected</th>
            <th className="num">Bytes</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr
              key={r.id}
              data-testid="run-row"
              data-run-id={r.id}
              data-pipeline={r.pipeline}
              data-status={r.status}
              className="clickable"
              onClick={(e) => {
                if (!(e.target instanceof HTMLAnchorElement)) navigate(`/runs/${r.id}`);
              }}
            >
              <td>
                <Link to={`/runs/${r.id}`}>{r.pipeline}</Link>
              </td>
              <td>
                <span className={`badge ${r.status}`}>{r.status}</span>
              </td>
              <td>{triggerLabel(r.trigger)}</td>
              <td title={formatTime(r.startedAt ?? r.createdAt)}>{formatAgo(r.startedAt ?? r.createdAt, now)}</td>
              <td className="num">{formatMs(runDuration(r, now))}</td>
              <td className="num">{formatCount(r.rowsLoaded)}</td>
              <td className="num">{r.rowsRejected > 0 ? <Link to={`/runs/${r.id}/rejects`}>{formatCount(r.rowsRejected)}</Link> : "0"}</td>
              <td className="num">{formatBytes(r.bytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The current time, ticking every second while something on the page is still running. */
export function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) {
      return;
    }
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

// The query console: SQL with completion, pins to snapshot versions, a paged result, downloads,
// a share link that reruns on the same snapshots, and a chart builder over /aggregate.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router-dom";
import type { Dataset } from "../../api/types";
import { CodeEditor, type SqlSchema } from "../../editor/CodeEditor";
import { ErrorState } from "../../components/States";
import { useDatasets } from "../datasets/queries";
import { ChartBuilder } from "./ChartBuilder";
import { Pins } from "./Pins";
import { QueryResultView } from "./QueryResultView";
import { datasetsIn, parseVersions, runQuery, type QueryAnswer, type Versions } from "./queryApi";

const limits = [1_000, 10_000, 100_000];
const starter = "SELECT *\nFROM flights\nLIMIT 100";

type Status = { state: "idle" } | { state: "running"; started: number } | { state: "done"; answer: QueryAnswer; sql: string } | { state: "failed"; error: unknown } | { state: "cancelled" };

export default function QueryPage() {
  const [params] = useSearchParams();
  const datasets = useDatasets();
  const [sql, setSql] = useState(() => params.get("sql") ?? starter);
  const [pins, setPins] = useState<Versions>(() => parseVersions(params.get("pin")));
  const [limit, setLimit] = useState(10_000);
  const [status, setStatus] = useState<Status>({ state: "idle" });
  const abort = useRef<AbortController | null>(null);

  const known = useMemo(() => (datasets.data ?? []).map((d) => d.name), [datasets.data]);
  const schema = useMemo(() => toSchema(datasets.data ?? []), [datasets.data]);
  const named = useMemo(() => datasetsIn(sql, known), [sql, known]);

  // The latest inputs, so Ctrl/Cmd+Enter inside the editor runs what is on screen.
  const inputs = useRef({ sql, pins, limit, named, known });
  inputs.current = { sql, pins, limit, named, known };

  const run = useCallback(async () => {
    const { sql: text, pins: pinned, limit: cap, named: reads, known: all } = inputs.current;
    if (!text.trim()) {
      return;
    }
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    // The Api refuses a pin on a dataset the statement does not read; pins of datasets no longer
    // named stay on screen but are not sent (unless the dataset list is not known yet).
    const versions = Object.fromEntries(Object.entries(pinned).filter(([name]) => all.length === 0 || reads.includes(name)));
    setStatus({ state: "running", started: Date.now() });
    try {
      const answer = await runQuery({ sql: text, versions, limit: cap }, controller.signal);
      if (abort.current === controller) {
        setStatus({ state: "done", answer, sql: text });
      }
    } catch (error) {
      // A run superseded by a newer one (or by leaving the page) reports nothing.
      if (abort.current === controller) {
        setStatus(controller.signal.aborted ? { state: "cancelled" } : { state: "failed", error });
      }
    } finally {
      if (abort.current === controller) {
        abort.current = null;
      }
    }
  }, []);

  const cancel = () => abort.current?.abort();

  // A shared link (?sql=…&pin=…) reruns as soon as it opens.
  const ranFromLink = useRef(false);
  useEffect(() => {
    if (!ranFromLink.current && params.get("sql")) {
      ranFromLink.current = true;
      void run();
    }
  }, [params, run]);
  useEffect(
    () => () => {
      const running = abort.current;
      abort.current = null;
      running?.abort();
      // Mounted again (React's strict mode does that): the link's run has to start again.
      ranFromLink.current = false;
    },
    [],
  );

  const pinNames = useMemo(() => [...new Set([...named, ...Object.keys(pins)])], [named, pins]);

  return (
    <div className="page query-page">
      <h1>Query</h1>
      <div className="panel">
        <CodeEditor value={sql} onChange={setSql} language="sql" schema={schema} onRun={() => void run()} testId="query-editor" label="SQL statement" minHeight="9rem" />
        <div className="toolbar query-actions">
          <button type="button" className="primary" data-testid="query-run" onClick={() => void run()} disabled={status.state === "running"} title="Ctrl/Cmd+Enter">
            Run
          </button>
          <span className="muted">Ctrl/⌘+Enter</span>
          <label>
            Row limit{" "}
            <select data-testid="query-limit" value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
              {limits.map((l) => (
                <option key={l} value={l}>
                  {l.toLocaleString("en-US")}
                </option>
              ))}
            </select>
          </label>
          {datasets.error && <span className="muted">Completion unavailable: {(datasets.error as Error).message}</span>}
        </div>
        <Pins names={pinNames} pins={pins} onChange={setPins} read={status.state === "done" ? status.answer.versions : undefined} />
      </div>

      {status.state === "running" && <Progress started={status.started} onCancel={cancel} />}
      {status.state === "cancelled" && (
        <p className="state empty" data-testid="query-cancelled">
          Cancelled.
        </p>
      )}
      {status.state === "failed" && <ErrorState error={status.error} />}
      {status.state === "done" && <QueryResultView answer={status.answer} sql={status.sql} limit={limit} />}

      <h2>Chart</h2>
      <ChartBuilder datasets={datasets.data ?? []} />
    </div>
  );
}

function Progress({ started, onCancel }: { started: number; onCancel: () => void }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);
  return (
    <div className="state loading query-progress" data-testid="query-progress" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Running… {((now - started) / 1000).toFixed(1)} s{" "}
      <button type="button" data-testid="query-cancel" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

function toSchema(datasets: Dataset[]): SqlSchema {
  return Object.fromEntries(datasets.map((d) => [d.name, d.columns.map((c) => c.name)]));
}

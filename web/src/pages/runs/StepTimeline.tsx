// A run's steps in execution order: what the run recorded (milliseconds per step) merged with
// what the live stream has said so far (started, rows).
import { formatMs, formatCount } from "../../format";
import type { Run } from "./types";

export interface LiveStep {
  state: string;
  rows?: number;
  milliseconds?: number;
}

const order = ["extract", "transform", "contract", "load", "commit"];

export interface StepView {
  name: string;
  state: string;
  milliseconds?: number;
  rows?: number;
}

export function stepViews(run: Run, live: Record<string, LiveStep>): StepView[] {
  const names = new Set([...Object.keys(run.steps ?? {}), ...Object.keys(live)]);
  if (run.errorStep) names.add(run.errorStep);
  const sorted = [...names].sort((a, b) => rank(a) - rank(b));
  // Counts the run keeps for itself, for steps the stream did not (or no longer can) report.
  const known: Record<string, number> = { contract: run.rowsRead, load: run.rowsLoaded };
  const done = run.status === "succeeded";
  return sorted.map((name) => {
    const l = live[name];
    const ms = run.steps?.[name] ?? l?.milliseconds;
    let state = l?.state ?? (ms !== undefined ? "finished" : "pending");
    if (run.errorStep === name && run.status === "failed") state = "failed";
    const rows = l?.rows ?? (ms !== undefined && (done || state === "finished") ? known[name] : undefined);
    return { name, state, milliseconds: ms, rows };
  });
}

function rank(step: string): number {
  const i = order.indexOf(step);
  return i < 0 ? order.length : i;
}

export function StepTimeline({ run, live }: { run: Run; live: Record<string, LiveStep> }) {
  const steps = stepViews(run, live);
  if (steps.length === 0) {
    return (
      <p className="muted" data-testid="run-steps">
        {run.status === "queued" ? "Waiting for a worker to pick the run up…" : "This run recorded no steps."}
      </p>
    );
  }
  const longest = Math.max(1, ...steps.map((s) => s.milliseconds ?? 0));
  return (
    <ol className="timeline" data-testid="run-steps">
      {steps.map((s) => (
        <li key={s.name} className={`step ${s.state}`} data-testid="run-step" data-step={s.name} data-state={s.state}>
          <span className="step-name">{s.name}</span>
          <span className={`badge ${stateBadge(s.state)}`}>{s.state}</span>
          <span className="step-bar" aria-hidden="true">
            <span style={{ width: `${Math.max(2, ((s.milliseconds ?? 0) / longest) * 100)}%` }} />
          </span>
          <span className="num step-ms">{s.state === "started" ? <span className="spinner" aria-label="running" /> : formatMs(s.milliseconds)}</span>
          <span className="num step-rows">{s.rows !== undefined ? `${formatCount(s.rows)} rows` : ""}</span>
        </li>
      ))}
    </ol>
  );
}

function stateBadge(state: string): string {
  return state === "finished" ? "succeeded" : state === "started" ? "running" : state === "failed" ? "failed" : "unknown";
}

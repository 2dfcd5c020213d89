// What a model's run read: the snapshot of each input dataset, pinned when the run started.
import { Link } from "react-router-dom";
import type { ModelBuild, RunInput } from "./types";

const triggers: Record<string, string> = { upstream: "upstream commit" };

/** A run's trigger as people say it: "upstream" means an input dataset committed. */
export function triggerLabel(trigger: string): string {
  return triggers[trigger] ?? trigger;
}

export function RunInputs({ inputs }: { inputs: RunInput[] }) {
  return (
    <ul className="run-inputs" data-testid="run-inputs">
      {inputs.map((i) => (
        <li key={i.dataset}>
          <Link to={`/datasets/${encodeURIComponent(i.dataset)}`} data-testid="run-input" data-dataset={i.dataset} data-version={i.version}>
            {i.dataset} v{i.version}
          </Link>
        </li>
      ))}
    </ul>
  );
}

/** "incremental: reads what flights appended after v6 (1 file)" — a full rebuild says what forced it. */
export function RunBuild({ build }: { build: ModelBuild }) {
  const files = `${build.filesRead} file${build.filesRead === 1 ? "" : "s"} read`;
  return (
    <span data-testid="run-build" data-mode={build.mode}>
      <strong>{build.mode === "incremental" ? "incremental" : "full rebuild"}</strong>: {build.reason}{" "}
      <span className="muted">({files})</span>
    </span>
  );
}

// Writes a what-if's definition into the pipeline's spec (its own text, comments kept), saves
// it as the next version, and offers to replay this run's rejects against it.
import { useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { useNavigate } from "react-router-dom";
import { stringify } from "yaml";
import { ApiError, apiFetch } from "../../api/client";
import type { PipelineVersions, RejectRuleSummary } from "../../api/types";
import type { Pipeline, Run } from "../runs/types";
import { applyRuleDefinition } from "./specEdit";

interface Draft {
  pipeline: Pipeline;
  text: string;
  changed: string[];
  commentsLost: boolean;
}

/** The pipeline's spec as its author wrote it: the version's text when the Api has it. */
async function loadSpecText(name: string): Promise<{ pipeline: Pipeline; text: string; commentsLost: boolean }> {
  const path = `/api/pipelines/${encodeURIComponent(name)}`;
  const pipeline = await apiFetch<Pipeline>(path);
  if (typeof pipeline.spec === "string") {
    return { pipeline, text: pipeline.spec, commentsLost: false };
  }
  try {
    const versions = await apiFetch<PipelineVersions>(`${path}/versions`);
    const current = versions.items.find((v) => v.version === pipeline.version) ?? versions.items[0];
    if (current && typeof current.spec === "string") {
      return { pipeline, text: current.spec, commentsLost: false };
    }
  } catch {
    // Without the versions endpoint the parsed spec is all there is.
  }
  const text = pipeline.format === "json" ? `${JSON.stringify(pipeline.spec, null, 2)}\n` : stringify(pipeline.spec);
  return { pipeline, text, commentsLost: pipeline.format !== "json" };
}

function changedLines(before: string, after: string): string[] {
  const old = new Set(before.split("\n"));
  return after.split("\n").filter((line) => !old.has(line));
}

export function ApplyToPipeline({ runId, pipeline, specVersion, rule, definition }: { runId: string; pipeline: string; specVersion: number | null; rule: RejectRuleSummary; definition: string }) {
  const navigate = useNavigate();
  const [draft, setDraft] = useState<Draft | null>(null);
  const prepare = useMutation({
    mutationFn: async () => {
      const { pipeline: p, text, commentsLost } = await loadSpecText(pipeline);
      const edited = applyRuleDefinition(text, rule, definition);
      return { pipeline: p, text: edited, changed: changedLines(text, edited), commentsLost };
    },
    onSuccess: setDraft,
  });
  const save = useMutation({
    mutationFn: (d: Draft) =>
      apiFetch<Pipeline>(`/api/pipelines/${encodeURIComponent(pipeline)}`, {
        method: "PUT",
        body: d.text,
        headers: { "Content-Type": d.text.trimStart().startsWith("{") ? "application/json" : "application/yaml" },
      }),
  });
  const replay = useMutation({
    mutationFn: () => apiFetch<Run>(`/api/runs/${runId}/replay`, { method: "POST" }),
    onSuccess: (run) => navigate(`/runs/${run.id}`),
  });

  if (save.data) {
    return (
      <div className="panel" data-testid="whatif-applied">
        <p>
          Saved <strong>{pipeline}</strong> as version {save.data.version}.
        </p>
        <button type="button" className="primary" data-testid="whatif-applied-replay" disabled={replay.isPending} onClick={() => replay.mutate()}>
          {replay.isPending ? "Replaying…" : "Replay these rejects with it"}
        </button>
        {replay.error && (
          <div className="state error" role="alert">
            {replay.error.message}
          </div>
        )}
      </div>
    );
  }
  return (
    <div className="apply">
      {!draft && (
        <button type="button" data-testid="whatif-apply" disabled={prepare.isPending} onClick={() => prepare.mutate()}>
          {prepare.isPending ? "Reading the spec…" : `Apply to pipeline ${pipeline}`}
        </button>
      )}
      {prepare.error && (
        <div className="state error" data-testid="whatif-apply-error" role="alert">
          {prepare.error.message}
        </div>
      )}
      {draft && (
        <div className="panel" data-testid="whatif-apply-preview">
          <p>
            Pipeline <strong>{pipeline}</strong> is at version {draft.pipeline.version}
            {specVersion !== null && specVersion !== draft.pipeline.version && <> (this run used version {specVersion})</>}. The change:
          </p>
          <pre>{draft.changed.length > 0 ? draft.changed.join("\n") : "(no change: the spec already says this)"}</pre>
          {draft.commentsLost && <p className="muted">The spec's original text was not available: it will be saved without its comments.</p>}
          <div className="toolbar">
            <button type="button" className="primary" data-testid="whatif-apply-save" disabled={save.isPending || draft.changed.length === 0} onClick={() => save.mutate(draft)}>
              {save.isPending ? "Saving…" : "Save as the next version"}
            </button>
            <button type="button" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
          {save.error && <SaveErrors error={save.error} />}
        </div>
      )}
    </div>
  );
}

function SaveErrors({ error }: { error: Error }) {
  const problem = error instanceof ApiError ? (error.problem as { errors?: unknown } | undefined) : undefined;
  const errors = Array.isArray(problem?.errors) ? (problem.errors as { name: string; reason: string }[]) : [];
  return (
    <div className="state error" role="alert" data-testid="whatif-apply-error">
      {errors.length > 0 ? (
        <ul className="validation-errors">
          {errors.map((e, i) => (
            <li key={i} data-testid="pipeline-validation-error">
              <span className="mono">{e.name}</span>: {e.reason}
            </li>
          ))}
        </ul>
      ) : (
        error.message
      )}
    </div>
  );
}

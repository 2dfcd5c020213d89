// The spec in CodeMirror (YAML): read-only, or for an engineer editable, validated and saved.
// The Api's problem names each error by its path; the list points at the line.
import { useRef, useState } from "react";
import { ApiError, apiFetch } from "../../api/client";
import type { Pipeline } from "../../api/types";
import { CodeEditor, revealLine } from "../../editor/CodeEditor";
import { lineOfPath } from "./specPaths";

interface FieldError {
  name: string;
  reason: string;
}

function fieldErrors(error: unknown): FieldError[] {
  const problem = error instanceof ApiError ? (error.problem as { errors?: unknown } | undefined) : undefined;
  const errors = problem?.errors;
  if (Array.isArray(errors)) {
    return errors.filter((e): e is FieldError => !!e && typeof e === "object" && "name" in e).map((e) => ({ name: String(e.name), reason: String(e.reason ?? "") }));
  }
  if (errors && typeof errors === "object") {
    return Object.entries(errors as Record<string, string[]>).flatMap(([name, reasons]) => (Array.isArray(reasons) ? reasons : [String(reasons)]).map((reason) => ({ name, reason })));
  }
  return [];
}

type Outcome = { kind: "valid" } | { kind: "saved"; version: number } | { kind: "invalid"; errors: FieldError[]; message: string } | null;

export function SpecEditor({ name, text, canEdit, onSaved }: { name: string; text: string; canEdit: boolean; onSaved: () => void }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(text);
  const [busy, setBusy] = useState<"validate" | "save" | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const host = useRef<HTMLDivElement>(null);

  const send = async (kind: "validate" | "save") => {
    setBusy(kind);
    setOutcome(null);
    const init: RequestInit = { method: kind === "save" ? "PUT" : "POST", body: draft, headers: { "Content-Type": draft.trimStart().startsWith("{") ? "application/json" : "application/yaml" } };
    try {
      if (kind === "save") {
        const saved = await apiFetch<Pipeline>(`/api/pipelines/${encodeURIComponent(name)}`, init);
        setOutcome({ kind: "saved", version: saved.version });
        setEditing(false);
        onSaved();
      } else {
        await apiFetch<{ valid: boolean }>("/api/pipelines/validate", init);
        setOutcome({ kind: "valid" });
      }
    } catch (error) {
      setOutcome({ kind: "invalid", errors: fieldErrors(error), message: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="spec-editor" ref={host}>
      {canEdit && (
        <div className="toolbar">
          {!editing ? (
            <button type="button" data-testid="pipeline-edit" onClick={() => { setDraft(text); setOutcome(null); setEditing(true); }}>
              Edit
            </button>
          ) : (
            <>
              <button type="button" className="primary" data-testid="pipeline-save" disabled={busy !== null} onClick={() => void send("save")}>
                {busy === "save" ? <span className="spinner" aria-hidden="true" /> : null} Save
              </button>
              <button type="button" data-testid="pipeline-validate" disabled={busy !== null} onClick={() => void send("validate")}>
                {busy === "validate" ? <span className="spinner" aria-hidden="true" /> : null} Validate
              </button>
              <button type="button" data-testid="pipeline-cancel-edit" disabled={busy !== null} onClick={() => { setEditing(false); setDraft(text); setOutcome(null); }}>
                Cancel
              </button>
            </>
          )}
        </div>
      )}
      <CodeEditor value={editing ? draft : text} onChange={editing ? setDraft : undefined} language="yaml" readOnly={!editing} testId="pipeline-spec" label={`Spec of ${name}`} minHeight="12rem" />
      {outcome?.kind === "valid" && (
        <p className="state ok" data-testid="pipeline-valid" role="status">
          The spec is valid (nothing saved yet).
        </p>
      )}
      {outcome?.kind === "saved" && (
        <p className="state ok" data-testid="pipeline-saved" role="status">
          Saved as version {outcome.version}.
        </p>
      )}
      {outcome?.kind === "invalid" && (
        <div className="state error" role="alert" data-testid="pipeline-validation">
          {outcome.errors.length === 0 ? (
            outcome.message
          ) : (
            <>
              <strong>The spec was not saved:</strong>
              <ul>
                {outcome.errors.map((e) => {
                  const line = lineOfPath(draft, e.name);
                  return (
                    <li key={`${e.name}:${e.reason}`} data-testid="pipeline-validation-error" data-path={e.name} data-line={line ?? undefined}>
                      <code>{e.name}</code>: {e.reason}
                      {line !== null && (
                        <>
                          {" "}
                          <button type="button" className="link" onClick={() => revealLine(host.current, line)}>
                            line {line}
                          </button>
                        </>
                      )}
                    </li>
                  );
                })}
              </ul>
            </>
          )}
        </div>
      )}
    </div>
  );
}

// The rule what-if: change one rule's definition, re-check this run's rejects against it
// (nothing is saved), and, when it looks right, write it into the pipeline.
import { useEffect, useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { apiFetch } from "../../api/client";
import type { RejectRuleSummary, RejectSummary, WhatIfRequest, WhatIfResult } from "../../api/types";
import { useSession } from "../../api/session";
import { formatCount } from "../../format";
import { ApplyToPipeline } from "./ApplyToPipeline";
import { ObjectTable } from "./cells";

export function WhatIf({ summary, rules, rule, onRule }: { summary: RejectSummary; rules: RejectRuleSummary[]; rule: string; onRule: (rule: string) => void }) {
  const { can } = useSession();
  const selected = rules.find((r) => r.rule === rule) ?? rules[0];
  const [definition, setDefinition] = useState(selected?.definition ?? "");
  const selectedRule = selected?.rule;
  const selectedDefinition = selected?.definition ?? "";
  useEffect(() => setDefinition(selectedDefinition), [selectedRule, selectedDefinition]);

  const whatIf = useMutation({
    mutationFn: (body: WhatIfRequest) =>
      apiFetch<WhatIfResult>(`/api/runs/${summary.runId}/rejects/what-if`, { method: "POST", body: JSON.stringify(body) }),
  });
  // A result belongs to the rule and definition it was asked for.
  const { reset } = whatIf;
  useEffect(() => reset(), [selectedRule, reset]);

  if (!selected) return null;
  const result = whatIf.data;
  return (
    <section className="panel" id="what-if" data-testid="whatif">
      <h2>What if the rule were different?</h2>
      <p className="muted">Checks this run's rejected rows against a changed rule. Nothing is saved.</p>
      <form
        className="whatif-form"
        onSubmit={(e) => {
          e.preventDefault();
          whatIf.mutate({ rule: selected.rule, definition });
        }}
      >
        <label>
          <span className="muted">Rule </span>
          <select data-testid="whatif-rule" value={selected.rule} onChange={(e) => onRule(e.target.value)}>
            {rules.map((r) => (
              <option key={r.rule} value={r.rule}>
                {r.rule} ({formatCount(r.count)})
              </option>
            ))}
          </select>
        </label>
        <label>
          <span className="muted">Definition{selected.check ? ` (${selected.check})` : ""}</span>
          <input data-testid="whatif-definition" value={definition} onChange={(e) => setDefinition(e.target.value)} spellCheck={false} aria-label="Definition" />
        </label>
        <div className="toolbar">
          <button type="submit" className="primary" data-testid="whatif-run" disabled={whatIf.isPending}>
            {whatIf.isPending ? "Checking…" : "Dry-run"}
          </button>
          {whatIf.isPending && <span className="spinner" role="status" aria-label="Checking the rejects" />}
        </div>
      </form>
      {whatIf.error && (
        <div className="state error" data-testid="whatif-error" role="alert">
          {whatIf.error.message}
        </div>
      )}
      {result && (
        <div className="whatif-answer">
          <p>
            <span className="whatif-result" data-testid="whatif-result">
              {`${result.wouldPass} of ${result.evaluated} would now pass`}
            </span>
            {result.capped && <span className="muted"> (checked a capped sample of the rejects)</span>}
          </p>
          {(result.notes ?? []).map((n, i) => (
            <p key={i} className="muted" data-testid="whatif-note">
              {n}
            </p>
          ))}
          {result.stillFailing > 0 && (
            <>
              <h3>{formatCount(result.stillFailing)} still failing</h3>
              {(result.stillFailingByRule ?? []).length > 0 && (
                <ul data-testid="whatif-still-failing">
                  {result.stillFailingByRule!.map((r) => (
                    <li key={r.rule}>
                      <span className="mono">{r.rule}</span>: {formatCount(r.count)}
                    </li>
                  ))}
                </ul>
              )}
              {(result.samples ?? []).length > 0 && <ObjectTable rows={result.samples!} testId="whatif-samples" rowTestId="whatif-sample" />}
            </>
          )}
          {can("engineer") && result.wouldPass > 0 && (
            <ApplyToPipeline runId={summary.runId} pipeline={summary.pipeline} specVersion={summary.specVersion ?? null} rule={selected} definition={result.definition ?? definition} />
          )}
        </div>
      )}
    </section>
  );
}

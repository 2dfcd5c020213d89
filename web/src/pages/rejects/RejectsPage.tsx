// Why a run rejected rows: each broken rule with its count, message and most frequent values,
// the rows themselves, the raw text of lines that did not parse, and the rule what-if.
import { useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "react-router-dom";
import { apiFetch } from "../../api/client";
import type { RejectSummary } from "../../api/types";
import { useSession } from "../../api/session";
import { Async, Empty } from "../../components/States";
import { formatCount } from "../../format";
import type { Run } from "../runs/types";
import { isParseRule, RejectRule } from "./RejectRule";
import { WhatIf } from "./WhatIf";

export default function RejectsPage() {
  const { id = "" } = useParams();
  const summary = useQuery({
    queryKey: ["rejects", id, "summary"],
    queryFn: ({ signal }) => apiFetch<RejectSummary>(`/api/runs/${encodeURIComponent(id)}/rejects/summary`, { signal }),
  });
  return (
    <div className="page rejects-page">
      <Async query={summary} what="rejects">
        {(s) => <Rejects key={s.runId} summary={s} />}
      </Async>
    </div>
  );
}

function Rejects({ summary }: { summary: RejectSummary }) {
  const rules = summary.rules ?? [];
  const editable = rules.filter((r) => !isParseRule(r));
  const [expanded, setExpanded] = useState<string | null>(editable[0]?.rule ?? null);
  const [whatIfRule, setWhatIfRule] = useState<string>(editable[0]?.rule ?? "");
  return (
    <>
      <div className="toolbar page-head">
        <h1>Rejected rows</h1>
        <span className="muted">
          run <Link to={`/runs/${summary.runId}`}>{summary.runId.slice(0, 8)}</Link> of{" "}
          <Link to={`/pipelines/${encodeURIComponent(summary.pipeline)}`}>{summary.pipeline}</Link>
          {summary.specVersion != null && <> (spec version {summary.specVersion})</>}
        </span>
        <ReplayButton runId={summary.runId} disabled={summary.total === 0} />
      </div>
      {summary.total === 0 || rules.length === 0 ? (
        <Empty>This run rejected no rows.</Empty>
      ) : (
        <>
          <p>
            <strong data-testid="rejects-total">{formatCount(summary.total)}</strong> rows rejected
            {summary.parseFailures ? <>, {formatCount(summary.parseFailures)} of them unparseable</> : null}, by {rules.length} rule{rules.length === 1 ? "" : "s"}.{" "}
            <a href={`/api/runs/${summary.runId}/rejects?format=csv`} download data-testid="rejects-download">
              Download all as CSV
            </a>
          </p>
          {rules.map((r) => (
            <RejectRule
              key={r.rule}
              runId={summary.runId}
              rule={r}
              expanded={expanded === r.rule}
              onToggle={() => setExpanded((e) => (e === r.rule ? null : r.rule))}
              onWhatIf={
                isParseRule(r)
                  ? undefined
                  : () => {
                      setWhatIfRule(r.rule);
                      document.getElementById("what-if")?.scrollIntoView?.({ behavior: "smooth" });
                    }
              }
            />
          ))}
          {editable.length > 0 && <WhatIf summary={summary} rules={editable} rule={whatIfRule} onRule={setWhatIfRule} />}
        </>
      )}
    </>
  );
}

function ReplayButton({ runId, disabled }: { runId: string; disabled: boolean }) {
  const { can } = useSession();
  const navigate = useNavigate();
  const replay = useMutation({
    mutationFn: () => apiFetch<Run>(`/api/runs/${runId}/replay`, { method: "POST" }),
    onSuccess: (run) => navigate(`/runs/${run.id}`),
  });
  if (!can("engineer")) return null;
  return (
    <div className="toolbar actions">
      <button
        type="button"
        className="primary"
        data-testid="rejects-replay"
        disabled={disabled || replay.isPending}
        title="Run the rejected rows again against the pipeline's current spec."
        onClick={() => replay.mutate()}
      >
        {replay.isPending ? "Replaying…" : "Replay rejects"}
      </button>
      {replay.error && (
        <span className="state error inline" role="alert" data-testid="rejects-replay-error">
          {replay.error.message}
        </span>
      )}
    </div>
  );
}

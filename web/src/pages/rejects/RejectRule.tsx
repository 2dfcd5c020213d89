// One broken rule of a run: how often, why, which values, and (on demand) the rows themselves.
import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { apiFetch } from "../../api/client";
import type { RejectRuleSummary } from "../../api/types";
import { EChart } from "../../charts/EChart";
import { Async, Empty } from "../../components/States";
import { formatCount } from "../../format";
import type { RejectPage } from "../runs/types";
import { Cell, cellText, columnsOf } from "./cells";

const pageSize = 20;

export function isParseRule(rule: RejectRuleSummary): boolean {
  return rule.check === "parse" || rule.rule === "parse";
}

export function RejectRule({
  runId,
  rule,
  expanded,
  onToggle,
  onWhatIf,
}: {
  runId: string;
  rule: RejectRuleSummary;
  expanded: boolean;
  onToggle: () => void;
  onWhatIf?: () => void;
}) {
  const parse = isParseRule(rule);
  const top = rule.topValues ?? [];
  return (
    <section className="panel reject-rule" data-testid="reject-rule" data-rule={rule.rule}>
      <div className="toolbar">
        <h3 className="mono">{rule.rule}</h3>
        {rule.check && <span className="badge">{rule.check}</span>}
        {rule.definition != null && <code className="muted">{rule.definition}</code>}
        <span className="rule-count" data-testid="reject-rule-count">
          {rule.count}
        </span>
        <span className="muted">rows</span>
      </div>
      {rule.description && <p className="muted">{rule.description}</p>}
      <p data-testid="reject-rule-message">{rule.message ?? "—"}</p>
      {top.length > 0 && (
        <div className="grid2">
          <TopValuesChart rule={rule.rule} values={top} />
          <ol className="top-values" aria-label="Most frequent values">
            {top.map((v, i) => (
              <li key={i} data-testid="top-value">
                <span className="mono">{cellText(v.value)}</span> <span className="muted">× {formatCount(v.count)}</span>
              </li>
            ))}
          </ol>
        </div>
      )}
      {parse ? (
        <RawLines runId={runId} rule={rule.rule} />
      ) : (
        <>
          <div className="toolbar">
            <button type="button" data-testid="reject-samples-toggle" aria-expanded={expanded} onClick={onToggle}>
              {expanded ? "Hide rows" : "Show rows"}
            </button>
            {onWhatIf && (
              <button type="button" data-testid="reject-whatif" onClick={onWhatIf}>
                What if…
              </button>
            )}
          </div>
          {expanded && <RejectSamples runId={runId} rule={rule.rule} />}
        </>
      )}
    </section>
  );
}

function TopValuesChart({ rule, values }: { rule: string; values: { value?: unknown; count: number }[] }) {
  const option = useMemo(
    () => ({
      grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" as const },
      xAxis: { type: "category" as const, data: values.map((v) => cellText(v.value)), axisLabel: { rotate: values.length > 5 ? 30 : 0 } },
      yAxis: { type: "value" as const, minInterval: 1 },
      series: [{ type: "bar" as const, data: values.map((v) => v.count), name: "rows" }],
    }),
    [values],
  );
  return <EChart option={option} height={200} testId="reject-histogram" label={`Most frequent values breaking ${rule}`} />;
}

/** Pages forward with the Api's `nextAfterId`, back with the ids already seen. */
function usePagedRejects(runId: string, rule: string) {
  const [cursors, setCursors] = useState<(number | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const query = useQuery({
    queryKey: ["rejects", runId, "rows", rule, after],
    queryFn: ({ signal }) => {
      const q = new URLSearchParams({ rule, limit: String(pageSize) });
      if (after !== null) q.set("afterId", String(after));
      return apiFetch<RejectPage>(`/api/runs/${runId}/rejects?${q}`, { signal });
    },
    placeholderData: (previous) => previous,
  });
  return {
    query,
    page: cursors.length,
    next: query.data?.nextAfterId != null ? () => setCursors((c) => [...c, query.data!.nextAfterId!]) : undefined,
    prev: cursors.length > 1 ? () => setCursors((c) => c.slice(0, -1)) : undefined,
  };
}

function Pager({ page, next, prev, busy }: { page: number; next?: () => void; prev?: () => void; busy: boolean }) {
  if (!next && !prev) return null;
  return (
    <div className="toolbar">
      <button type="button" data-testid="reject-samples-prev" disabled={!prev || busy} onClick={prev}>
        ← Previous
      </button>
      <span className="muted">Page {page}</span>
      <button type="button" data-testid="reject-samples-next" disabled={!next || busy} onClick={next}>
        Next →
      </button>
      {busy && <span className="spinner" role="status" aria-label="Loading rows" />}
    </div>
  );
}

export function RejectSamples({ runId, rule }: { runId: string; rule: string }) {
  const { query, page, next, prev } = usePagedRejects(runId, rule);
  return (
    <Async query={query} what="rejected rows">
      {(data) => {
        if (data.items.length === 0) return <Empty>No rejected rows for this rule.</Empty>;
        const columns = columnsOf(data.items.map((r) => r.values));
        return (
          <>
            <div className="table-wrap">
              <table data-testid="reject-samples">
                <thead>
                  <tr>
                    <th className="num">Line</th>
                    {columns.map((c) => (
                      <th key={c}>{c}</th>
                    ))}
                    <th>Rules broken</th>
                    <th>Message</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((r) => (
                    <tr key={r.id} data-testid="reject-sample">
                      <td className="num">{r.line ?? "—"}</td>
                      {columns.map((c) => (
                        <Cell key={c} value={(r.values as Record<string, unknown> | null)?.[c]} />
                      ))}
                      <td className="mono">{r.rules.join(", ")}</td>
                      <td>{r.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={page} next={next} prev={prev} busy={query.isFetching} />
          </>
        );
      }}
    </Async>
  );
}

/** Rows that could not be split into columns: their text as the source had it. */
function RawLines({ runId, rule }: { runId: string; rule: string }) {
  const { query, page, next, prev } = usePagedRejects(runId, rule);
  return (
    <Async query={query} what="raw lines">
      {(data) =>
        data.items.length === 0 ? (
          <Empty>No raw lines were kept.</Empty>
        ) : (
          <>
            <ol className="raw-lines" aria-label="Lines that did not parse">
              {data.items.map((r) => (
                <li key={r.id}>
                  <span className="muted">line {r.line ?? "?"}: {r.message}</span>
                  <pre data-testid="reject-raw">{r.rawText ?? ""}</pre>
                </li>
              ))}
            </ol>
            <Pager page={page} next={next} prev={prev} busy={query.isFetching} />
          </>
        )
      }
    </Async>
  );
}

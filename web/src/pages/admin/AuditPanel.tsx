// The audit log, newest first, paged with the Api's `before` cursor and filtered by action on
// the Api, so a rare action is found however far back it is. Rows retention moved to the
// archive read the same, marked archived.
import { useMemo, useState } from "react";
import { useInfiniteQuery } from "@tanstack/react-query";
import { apiFetch } from "../../api/client";
import { Empty, ErrorState, Loading } from "../../components/States";
import { formatTime } from "../../format";
import type { AuditPage } from "../runs/types";

const knownActions = ["key.created", "key.revoked", "workspace.created"];

export function AuditPanel() {
  const [action, setAction] = useState("");
  const audit = useInfiniteQuery({
    queryKey: ["admin", "audit", action],
    initialPageParam: null as number | null,
    queryFn: ({ pageParam, signal }) =>
      apiFetch<AuditPage>(`/api/audit?limit=50${action ? `&action=${encodeURIComponent(action)}` : ""}${pageParam ? `&before=${pageParam}` : ""}`, { signal }),
    getNextPageParam: (last) => last.nextBefore ?? null,
  });
  const entries = useMemo(() => audit.data?.pages.flatMap((p) => p.items) ?? [], [audit.data]);
  const actions = useMemo(() => [...new Set([...knownActions, ...entries.map((e) => e.action)])].sort(), [entries]);

  return (
    <section className="panel" aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit log</h2>
      <div className="toolbar">
        <select data-testid="audit-filter-action" aria-label="Action" value={action} onChange={(e) => setAction(e.target.value)}>
          <option value="">All actions</option>
          {actions.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
        {audit.isFetching && !audit.isPending && <span className="spinner" role="status" aria-label="Loading" />}
      </div>
      {audit.isPending ? (
        <Loading what="audit log" />
      ) : audit.error && entries.length === 0 ? (
        <ErrorState error={audit.error} retry={() => void audit.refetch()} />
      ) : entries.length === 0 ? (
        <Empty>{action ? `No ${action} entries.` : "Nothing has been audited yet."}</Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="audit-table">
            <thead>
              <tr>
                <th>When</th>
                <th>Actor</th>
                <th>Action</th>
                <th>Target</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} data-testid="audit-row" data-action={e.action} data-archived={e.archived ? "true" : "false"}>
                  <td>
                    {formatTime(e.at)} {e.archived && <span className="badge" title="Moved to the archive by retention; kept, never deleted">archived</span>}
                  </td>
                  <td className="mono">{e.actor}</td>
                  <td>{e.action}</td>
                  <td className="mono">{e.target}</td>
                  <td className="mono muted">{e.details == null ? "" : JSON.stringify(e.details)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {audit.hasNextPage && (
        <div className="toolbar load-more">
          <button type="button" data-testid="audit-more" disabled={audit.isFetchingNextPage} onClick={() => void audit.fetchNextPage()}>
            {audit.isFetchingNextPage ? "Loading…" : "Older entries"}
          </button>
        </div>
      )}
    </section>
  );
}

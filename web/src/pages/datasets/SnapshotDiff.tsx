// Two snapshots of a dataset compared: rows added and removed, schema changes, per-column stats.
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { apiFetch } from "../../api/client";
import type { ColumnStats, DatasetDiff, Snapshot } from "../../api/types";
import { ErrorState, Loading } from "../../components/States";
import { formatCell, formatCount, formatTime } from "../../format";

export function SnapshotDiff({ dataset, snapshots }: { dataset: string; snapshots: Snapshot[] }) {
  // Newest first, as the Api lists them: compare the previous snapshot with the current one.
  const [from, setFrom] = useState(snapshots[1]?.version ?? snapshots[0]?.version);
  const [to, setTo] = useState(snapshots[0]?.version);
  const [asked, setAsked] = useState<{ from: number; to: number } | null>(null);
  const diff = useQuery({
    queryKey: ["dataset-diff", dataset, asked?.from, asked?.to],
    queryFn: () => apiFetch<DatasetDiff>(`/api/datasets/${encodeURIComponent(dataset)}/diff?from=${asked!.from}&to=${asked!.to}`),
    enabled: asked !== null,
  });
  if (snapshots.length < 2) {
    return <p className="muted">A diff needs two snapshots; this dataset has {snapshots.length}.</p>;
  }
  const select = (testId: string, label: string, value: number | undefined, set: (v: number) => void) => (
    <label>
      {label}{" "}
      <select data-testid={testId} value={value} onChange={(e) => set(Number(e.target.value))}>
        {snapshots.map((s) => (
          <option key={s.version} value={s.version}>
            v{s.version} · {s.operation} · {formatTime(s.createdAt)}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <div>
      <div className="toolbar">
        {select("diff-from", "From", from, setFrom)}
        {select("diff-to", "to", to, setTo)}
        <button type="button" className="primary" data-testid="diff-run" disabled={from === undefined || to === undefined || from === to} onClick={() => setAsked({ from: from!, to: to! })}>
          Compare
        </button>
      </div>
      {asked && diff.isFetching && <Loading what="diff" />}
      {asked && diff.error && <ErrorState error={diff.error} retry={() => void diff.refetch()} />}
      {asked && diff.data && !diff.isFetching && <DiffResult diff={diff.data} />}
    </div>
  );
}

function DiffResult({ diff }: { diff: DatasetDiff }) {
  const schema = diff.schema ?? {};
  const schemaChanges = [
    ...(schema.added ?? []).map((c) => ({ kind: "added", text: `${c.name} ${c.type}` })),
    ...(schema.removed ?? []).map((c) => ({ kind: "removed", text: `${c.name} ${c.type}` })),
    ...(schema.changed ?? []).map((c) => ({ kind: "changed", text: `${c.name}: ${c.from} → ${c.to}` })),
  ];
  const columns = diff.columns ?? [];
  return (
    <div data-testid="diff-result" className="diff-result">
      <p>
        v{diff.from.version} ({formatCount(diff.from.rows)} rows) → v{diff.to.version} ({formatCount(diff.to.rows)} rows):{" "}
        <strong className="added" data-testid="diff-rows-added">
          +{formatCount(diff.rowsAdded)}
        </strong>{" "}
        rows added,{" "}
        <strong className="removed" data-testid="diff-rows-removed">
          −{formatCount(diff.rowsRemoved)}
        </strong>{" "}
        rows removed
      </p>
      <h3>Schema</h3>
      {schemaChanges.length === 0 ? (
        <p className="muted" data-testid="diff-schema-unchanged">
          No schema changes.
        </p>
      ) : (
        <ul data-testid="diff-schema">
          {schemaChanges.map((c) => (
            <li key={`${c.kind}:${c.text}`} data-testid="diff-schema-change" data-kind={c.kind}>
              <span className={`badge ${c.kind}`}>{c.kind}</span> <code>{c.text}</code>
            </li>
          ))}
        </ul>
      )}
      {columns.length > 0 && (
        <div className="table-wrap">
          <table data-testid="diff-columns">
            <thead>
              <tr>
                <th>Column</th>
                <th>Type</th>
                <th>Min</th>
                <th>Max</th>
                <th className="num">Nulls</th>
              </tr>
            </thead>
            <tbody>
              {columns.map((c) => (
                <tr key={c.name} data-testid="diff-column" data-column={c.name}>
                  <td>{c.name}</td>
                  <td className="muted">{c.type}</td>
                  <td>{change(c.from, c.to, "min")}</td>
                  <td>{change(c.from, c.to, "max")}</td>
                  <td className="num">{change(c.from, c.to, "nulls")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function change(from: ColumnStats | null | undefined, to: ColumnStats | null | undefined, key: keyof ColumnStats) {
  const show = (v: unknown) => (v === undefined ? "—" : key === "nulls" && typeof v === "number" ? formatCount(v) : formatCell(v));
  const a = show(from?.[key]);
  const b = show(to?.[key]);
  return a === b ? <span className="muted">{b}</span> : <span className="changed">{a} → {b}</span>;
}

// One dataset: its columns (from the contract), its lineage, snapshots with charts, a preview and a diff.
import { useMemo } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router-dom";
import { ApiError, apiFetch } from "../../api/client";
import type { Dataset, QueryResult, Snapshot } from "../../api/types";
import { TimeSeries } from "../../charts/TimeSeries";
import { ArchiveControls, RestoreOffer } from "../../components/ArchiveControls";
import { Async, Empty } from "../../components/States";
import { FreshnessBadge } from "./FreshnessBadge";
import { Lineage } from "./Lineage";
import { ResultTable } from "./ResultTable";
import { SnapshotDiff } from "./SnapshotDiff";
import { TagList } from "./TagList";
import { useSnapshots } from "./queries";
import { formatBytes, formatCount, formatRelative, formatTime } from "../../format";

const previewRows = 50;

export default function DatasetPage() {
  const name = useParams().name ?? "";
  const dataset = useQuery({
    queryKey: ["dataset", name],
    queryFn: () => apiFetch<Dataset>(`/api/datasets/${encodeURIComponent(name)}`),
  });
  return (
    <div className="page">
      <p className="muted">
        <Link to="/datasets">Datasets</Link> /
      </p>
      <Async query={dataset} what="dataset">
        {(d) => <DatasetDetail dataset={d} />}
      </Async>
      {dataset.error instanceof ApiError && dataset.error.status === 404 && (
        <RestoreOffer kind="dataset" name={name} note={`If ${name} was archived, it can be restored with its snapshots.`} />
      )}
    </div>
  );
}

function DatasetDetail({ dataset }: { dataset: Dataset }) {
  const name = dataset.name;
  const snapshots = useSnapshots(name);
  const preview = useQuery({
    queryKey: ["preview", name],
    queryFn: () => apiFetch<QueryResult>(`/api/datasets/${encodeURIComponent(name)}/preview?limit=${previewRows}`),
    enabled: dataset.currentVersion !== null && dataset.currentVersion !== undefined,
  });
  return (
    <>
      <h1>
        {name} <FreshnessBadge freshness={dataset.freshness} />
      </h1>
      {dataset.description && <p>{dataset.description}</p>}
      <div className="toolbar">
        <ArchiveControls kind="dataset" name={name} />
      </div>
      <dl className="facts">
        <div>
          <dt>Owner</dt>
          <dd data-testid="dataset-owner">{dataset.owner ? <Link to={`/datasets?owner=${encodeURIComponent(dataset.owner)}`}>{dataset.owner}</Link> : "—"}</dd>
        </div>
        <div>
          <dt>Tags</dt>
          <dd>
            <TagList tags={dataset.tags} />
          </dd>
        </div>
        <div>
          <dt>Rows</dt>
          <dd>{formatCount(dataset.rowCount)}</dd>
        </div>
        <div>
          <dt>Size</dt>
          <dd>{formatBytes(dataset.bytes)}</dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd>{dataset.currentVersion ?? "—"}</dd>
        </div>
        <div>
          <dt>Last loaded</dt>
          <dd title={dataset.lastLoadedAt ?? undefined}>
            {formatTime(dataset.lastLoadedAt)} <span className="muted">{formatRelative(dataset.lastLoadedAt)}</span>
          </dd>
        </div>
        <div>
          <dt>Pipeline</dt>
          <dd>{dataset.pipeline ? <Link to={`/pipelines/${encodeURIComponent(dataset.pipeline)}`}>{dataset.pipeline}</Link> : "—"}</dd>
        </div>
        <div>
          <dt>Schedule</dt>
          <dd>
            <code>{dataset.schedule ?? dataset.freshness?.schedule ?? "none"}</code>
          </dd>
        </div>
      </dl>
      <p>
        <Link to={`/query?sql=${encodeURIComponent(`SELECT * FROM ${name} LIMIT 100`)}`}>Query this dataset</Link>
      </p>

      <h2>Columns</h2>
      <Columns dataset={dataset} />

      <h2>Lineage</h2>
      <Lineage dataset={name} />

      <h2>Snapshots</h2>
      <Async query={snapshots} what="snapshots">
        {(items) => <Snapshots dataset={name} items={items} />}
      </Async>

      <h2>Preview</h2>
      {dataset.currentVersion === null || dataset.currentVersion === undefined ? (
        <Empty>Nothing to preview: the dataset has no snapshot yet.</Empty>
      ) : (
        <Async query={preview} what="preview">
          {(result) =>
            result.rows.length === 0 ? (
              <Empty>The current snapshot has no rows.</Empty>
            ) : (
              <>
                <p className="muted">
                  First {result.rows.length} rows{result.truncated ? ` of ${formatCount(dataset.rowCount)}` : ""}.
                </p>
                <ResultTable columns={result.columns} rows={result.rows} testId="dataset-preview" rowTestId="preview-row" />
              </>
            )
          }
        </Async>
      )}
    </>
  );
}

function Columns({ dataset }: { dataset: Dataset }) {
  if (dataset.columns.length === 0) {
    return <Empty>The dataset declares no columns.</Empty>;
  }
  return (
    <div className="table-wrap">
      <table data-testid="dataset-columns">
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>Required</th>
            <th>Description</th>
          </tr>
        </thead>
        <tbody>
          {dataset.columns.map((c) => (
            <tr key={c.name} data-testid="dataset-column" data-column={c.name} className={c.name.startsWith("_ductus_") ? "muted" : undefined}>
              <td>
                <code>{c.name}</code>
              </td>
              <td>{c.type}</td>
              <td>{c.required ? "required" : "optional"}</td>
              <td className="wrap">{c.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Snapshots({ dataset, items }: { dataset: string; items: Snapshot[] }) {
  // Oldest first for the charts; uPlot needs ascending x.
  const charts = useMemo(() => {
    const ascending = [...items].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    const times = ascending.map((s) => Math.floor(Date.parse(s.createdAt) / 1000));
    const rows = [{ label: "rows", values: ascending.map((s) => s.rowCount) }];
    const gaps = [{ label: "hours since previous commit", values: ascending.map((s, i) => (i === 0 ? null : Math.round(((Date.parse(s.createdAt) - Date.parse(ascending[i - 1]!.createdAt)) / 3_600_000) * 100) / 100)) }];
    return { times, rows, gaps };
  }, [items]);
  if (items.length === 0) {
    return <Empty>No snapshots yet: the dataset is created by its pipeline's first run.</Empty>;
  }
  return (
    <>
      <div className="grid2">
        <div className="panel">
          <h3>Rows per snapshot</h3>
          <TimeSeries times={charts.times} series={charts.rows} testId="snapshots-chart" label={`Rows per snapshot of ${dataset}`} />
        </div>
        <div className="panel">
          <h3>Freshness: hours between commits</h3>
          {items.length > 1 ? (
            <TimeSeries times={charts.times} series={charts.gaps} testId="freshness-chart" label={`Hours between commits of ${dataset}`} />
          ) : (
            <p className="muted" data-testid="freshness-chart">
              Needs a second snapshot.
            </p>
          )}
        </div>
      </div>
      <div className="table-wrap">
        <table data-testid="dataset-snapshots">
          <thead>
            <tr>
              <th className="num">Version</th>
              <th>Operation</th>
              <th className="num">Rows</th>
              <th className="num">Files</th>
              <th className="num">Size</th>
              <th title="What the snapshot's schema_evolution allowed: columns added, types widened">Schema</th>
              <th>Run</th>
              <th>Committed</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.version} data-testid="snapshot-row" data-version={s.version}>
                <td className="num">v{s.version}</td>
                <td>
                  <span className="badge">{s.operation}</span>
                </td>
                <td className="num">{formatCount(s.rowCount)}</td>
                <td className="num">{s.fileCount}</td>
                <td className="num">{formatBytes(s.bytes)}</td>
                <td className="mono" data-testid="snapshot-schema">
                  {[...s.schemaChanges.added.map((c) => `+${c.name} ${c.type}`), ...s.schemaChanges.widened.map((c) => `${c.name} ${c.from}→${c.to}`)].join(", ") || (
                    <span className="muted">—</span>
                  )}
                </td>
                <td>{s.runId ? <Link to={`/runs/${s.runId}`} data-testid="snapshot-run">{s.runId.slice(0, 8)}</Link> : <span className="muted">—</span>}</td>
                <td title={s.createdAt}>{formatTime(s.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Compare snapshots</h2>
      <div className="panel">
        <SnapshotDiff dataset={dataset} snapshots={items} />
      </div>
    </>
  );
}

// The workspace's datasets: searchable, with size, last load and freshness against the schedule.
import { useMemo, useState } from "react";
import { Link } from "react-router-dom";
import type { Dataset } from "../../api/types";
import { Async, Empty } from "../../components/States";
import { FreshnessBadge } from "./FreshnessBadge";
import { useDatasets } from "./queries";
import { formatCount, formatRelative, formatTime, isSystemColumn } from "../../format";

export default function DatasetsPage() {
  const datasets = useDatasets();
  const [search, setSearch] = useState("");
  return (
    <div className="page">
      <h1>Datasets</h1>
      <div className="toolbar">
        <input type="search" placeholder="Search name or description" aria-label="Search datasets" data-testid="dataset-search" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      <Async query={datasets} what="datasets">
        {(items) => <DatasetTable items={items} search={search} />}
      </Async>
    </div>
  );
}

function DatasetTable({ items, search }: { items: Dataset[]; search: string }) {
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const hits = needle ? items.filter((d) => d.name.toLowerCase().includes(needle) || (d.description ?? "").toLowerCase().includes(needle)) : items;
    return [...hits].sort((a, b) => a.name.localeCompare(b.name));
  }, [items, search]);
  if (items.length === 0) {
    return <Empty>No datasets yet: a pipeline's first successful run creates its dataset.</Empty>;
  }
  if (shown.length === 0) {
    return <Empty>No dataset matches “{search}”.</Empty>;
  }
  return (
    <div className="table-wrap">
      <table data-testid="datasets-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Description</th>
            <th className="num">Rows</th>
            <th className="num">Columns</th>
            <th>Last updated</th>
            <th>Freshness</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((d) => (
            <tr key={d.name} data-testid="dataset-row" data-dataset={d.name}>
              <td>
                <Link to={`/datasets/${encodeURIComponent(d.name)}`}>{d.name}</Link>
              </td>
              <td className="wrap muted">{d.description}</td>
              <td className="num">{formatCount(d.rowCount)}</td>
              <td className="num">{d.columns.filter((c) => !isSystemColumn(c.name)).length}</td>
              <td title={d.lastLoadedAt ?? undefined}>
                {formatTime(d.lastLoadedAt)} <span className="muted">{formatRelative(d.lastLoadedAt)}</span>
              </td>
              <td>
                <FreshnessBadge freshness={d.freshness} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

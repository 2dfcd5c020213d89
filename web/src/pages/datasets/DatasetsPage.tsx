// The workspace's datasets: searched by the Api (names, owners, tags, descriptions, columns;
// ranked), filtered by tag or owner, with size, last load and freshness against the spec's SLA or else the schedule.
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import type { Dataset } from "../../api/types";
import { Async, Empty } from "../../components/States";
import { FreshnessBadge } from "./FreshnessBadge";
import { TagList } from "./TagList";
import { useDatasets } from "./queries";
import { formatCount, formatRelative, formatTime, isSystemColumn } from "../../format";

/** How long typing pauses before the search goes to the Api. */
export const searchDelayMs = 250;

export default function DatasetsPage() {
  const [params, setParams] = useSearchParams();
  const tag = params.get("tag") ?? "";
  const owner = params.get("owner") ?? "";
  const [search, setSearch] = useState(params.get("q") ?? "");
  const q = useDebounced(search.trim(), searchDelayMs);
  // The search lives in the address too, so a search (or a tag clicked on a dataset's page) can be linked to.
  useEffect(() => {
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (q) next.set("q", q);
        else next.delete("q");
        return next;
      },
      { replace: true },
    );
  }, [q, setParams]);
  const clear = (key: "tag" | "owner") =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      next.delete(key);
      return next;
    });
  const datasets = useDatasets({ q, tag, owner });
  const filtered = !!(q || tag || owner);
  return (
    <div className="page">
      <h1>Datasets</h1>
      <div className="toolbar">
        <input
          type="search"
          placeholder="Search names, descriptions, columns, tags, owners"
          aria-label="Search datasets"
          data-testid="dataset-search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        {tag && (
          <button type="button" className="badge" data-testid="dataset-tag-filter" title="Show every tag" onClick={() => clear("tag")}>
            tag: {tag} ✕
          </button>
        )}
        {owner && (
          <button type="button" className="badge" data-testid="dataset-owner-filter" title="Show every owner" onClick={() => clear("owner")}>
            owner: {owner} ✕
          </button>
        )}
      </div>
      <Async query={datasets} what="datasets">
        {(items) => <DatasetTable items={items} filtered={filtered} describe={[q && `“${q}”`, tag && `tag ${tag}`, owner && `owner ${owner}`].filter(Boolean).join(", ")} />}
      </Async>
    </div>
  );
}

function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

/** In the Api's order: by relevance when searched, else by name. */
function DatasetTable({ items, filtered, describe }: { items: Dataset[]; filtered: boolean; describe: string }) {
  if (items.length === 0) {
    return filtered ? <Empty>No dataset matches {describe}.</Empty> : <Empty>No datasets yet: a pipeline's first successful run creates its dataset.</Empty>;
  }
  return (
    <div className="table-wrap">
      <table data-testid="datasets-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Description</th>
            <th>Owner</th>
            <th>Tags</th>
            <th className="num">Rows</th>
            <th className="num">Columns</th>
            <th>Last updated</th>
            <th>Freshness</th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.name} data-testid="dataset-row" data-dataset={d.name}>
              <td>
                <Link to={`/datasets/${encodeURIComponent(d.name)}`}>{d.name}</Link>
              </td>
              <td className="wrap muted">{d.description}</td>
              <td data-testid="dataset-owner">{d.owner ? <Link to={`/datasets?owner=${encodeURIComponent(d.owner)}`}>{d.owner}</Link> : <span className="muted">—</span>}</td>
              <td>
                <TagList tags={d.tags} />
              </td>
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

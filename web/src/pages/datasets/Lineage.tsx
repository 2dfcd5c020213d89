// A dataset's lineage: what it is made from (left), the dataset itself (centre, highlighted) and
// what is made from it (right), as boxes joined by arrows in the direction data flows.
import { useId, useMemo } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { apiFetch } from "../../api/client";
import type { Lineage as LineageView, LineageNode } from "../../api/types";
import { Async, Empty } from "../../components/States";
import { formatCount } from "../../format";
import { layoutLineage, nodeHeight, nodeWidth, type PlacedNode } from "./lineageLayout";

export function Lineage({ dataset, depth = 3 }: { dataset: string; depth?: number }) {
  const lineage = useQuery({
    queryKey: ["lineage", dataset, depth],
    queryFn: () => apiFetch<LineageView>(`/api/lineage?dataset=${encodeURIComponent(dataset)}&direction=both&depth=${depth}`),
  });
  return (
    <Async query={lineage} what="lineage">
      {(view) =>
        view.nodes.length <= 1 ? (
          <Empty>No lineage: no pipeline or model writes {dataset} and no model reads it.</Empty>
        ) : (
          <LineageGraph view={view} dataset={dataset} />
        )
      }
    </Async>
  );
}

function LineageGraph({ view, dataset }: { view: LineageView; dataset: string }) {
  const layout = useMemo(() => layoutLineage(view), [view]);
  // A marker id of its own per graph; useId's punctuation is not welcome inside url(#…).
  const arrow = `lineage-arrow-${useId().replace(/[^A-Za-z0-9_-]/g, "")}`;
  return (
    <>
      <p className="muted">Data flows left to right: what {dataset} is made from, then {dataset}, then what is made from it.</p>
      <div className="lineage-scroll" data-testid="lineage" role="group" aria-label={`Lineage of ${dataset}`}>
        <div className="lineage" style={{ width: layout.width, height: layout.height }}>
          <svg className="lineage-edges" width={layout.width} height={layout.height} aria-hidden="true">
            <defs>
              <marker id={arrow} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M 0 0 L 10 5 L 0 10 z" />
              </marker>
            </defs>
            {layout.edges.map((e) => (
              <path key={`${e.from}→${e.to}`} data-testid="lineage-edge" data-from={e.from} data-to={e.to} d={e.path} markerEnd={`url(#${arrow})`}>
                <title>{`${e.from} → ${e.to}`}</title>
              </path>
            ))}
          </svg>
          {layout.nodes.map((p) => (
            <NodeBox key={p.node.id} placed={p} root={p.node.id === view.root} />
          ))}
        </div>
      </div>
    </>
  );
}

function NodeBox({ placed, root }: { placed: PlacedNode; root: boolean }) {
  const { node } = placed;
  const props = {
    className: `lineage-node ${node.kind}${root ? " root" : ""}`,
    style: { left: placed.x, top: placed.y, width: nodeWidth, height: nodeHeight },
    title: [`${node.kind} ${node.name}`, node.schedule ? `schedule ${node.schedule}` : null].filter(Boolean).join(" — "),
    "data-testid": "lineage-node",
    "data-node-id": node.id,
    "data-kind": node.kind,
    "data-column": placed.column,
    "data-root": root ? "true" : undefined,
  };
  const content = (
    <>
      <span className="lineage-kind">
        {node.kind}
        {node.sourceKind && node.kind !== "dataset" ? ` · ${node.sourceKind}` : ""}
      </span>
      <span className="lineage-name">{node.name}</span>
      <span className="lineage-detail">{detail(node)}</span>
    </>
  );
  const to = target(node);
  if (!to) {
    return <div {...props}>{content}</div>;
  }
  return (
    <Link to={to} {...props} aria-current={root ? "page" : undefined}>
      {content}
    </Link>
  );
}

function target(node: LineageNode): string | undefined {
  switch (node.kind) {
    case "dataset":
      return `/datasets/${encodeURIComponent(node.name)}`;
    case "pipeline":
    case "model":
      return `/pipelines/${encodeURIComponent(node.name)}`;
    default:
      return undefined;
  }
}

function detail(node: LineageNode): string {
  switch (node.kind) {
    case "dataset":
      return node.currentVersion == null ? "never loaded" : `v${node.currentVersion} · ${formatCount(node.rowCount)} rows`;
    case "model":
      return node.on === "commit" ? "runs on input commit" : node.schedule ? "scheduled" : "runs on demand";
    case "pipeline":
      return node.schedule ? "scheduled" : "runs on demand";
    default:
      return "";
  }
}

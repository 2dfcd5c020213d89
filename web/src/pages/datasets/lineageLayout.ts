// Where each lineage node and arrow goes, laid out by dagre (issue 19: graphs are laid out by a
// graph layout library, not by hand). Pure, so the placement is tested without a browser's
// layout (jsdom has none).
import dagre from "@dagrejs/dagre";
import type { Lineage, LineageNode } from "../../api/types";

export const nodeWidth = 180;
export const nodeHeight = 58;

export interface PlacedNode {
  node: LineageNode;
  /** The layer the node is in, counted from the leftmost one (0): data flows to higher columns. */
  column: number;
  /** Top-left corner of the box. */
  x: number;
  y: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  path: string;
}

export interface LineageLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

export function layoutLineage(view: Lineage): LineageLayout {
  const byId = new Map(view.nodes.map((n) => [n.id, n]));
  const edges = view.edges.filter((e) => byId.has(e.from) && byId.has(e.to) && e.from !== e.to);

  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 14, ranksep: 64, marginx: 4, marginy: 4 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of byId.keys()) {
    g.setNode(id, { width: nodeWidth, height: nodeHeight });
  }
  for (const e of edges) {
    g.setEdge(e.from, e.to);
  }
  dagre.layout(g);

  // dagre gives box centres; every box of a layer shares its centre x, so the distinct centres,
  // left to right, are the columns.
  const centres = [...byId.keys()].map((id) => ({ id, ...(g.node(id) as { x: number; y: number }) }));
  const layers = [...new Set(centres.map((c) => c.x))].sort((a, b) => a - b);
  const nodes = centres
    .map((c) => ({ node: byId.get(c.id)!, column: layers.indexOf(c.x), x: c.x - nodeWidth / 2, y: c.y - nodeHeight / 2 }))
    .sort((a, b) => a.column - b.column || a.y - b.y);

  const label = g.graph();
  return {
    nodes,
    edges: edges.map((e) => ({ from: e.from, to: e.to, path: curve(g.edge(e.from, e.to).points ?? []) })),
    width: Math.ceil(label.width ?? 0),
    height: Math.ceil(label.height ?? 0),
  };
}

/** A smooth path along dagre's points: straight between the midpoints, bending round each point between. */
function curve(points: { x: number; y: number }[]): string {
  const mid = (a: { x: number; y: number }, b: { x: number; y: number }) => `${(a.x + b.x) / 2} ${(a.y + b.y) / 2}`;
  const parts = points.slice(0, 1).map((p) => `M ${p.x} ${p.y}`);
  for (let i = 1; i < points.length - 1; i++) {
    parts.push(`Q ${points[i]!.x} ${points[i]!.y}, ${mid(points[i]!, points[i + 1]!)}`);
  }
  const last = points[points.length - 1];
  if (last && points.length > 1) parts.push(`L ${last.x} ${last.y}`);
  return parts.join(" ");
}

// Where each lineage node goes: a column per distance from the root (what it is made from to the
// left, what is made from it to the right) and a row within its column. Pure, so the placement is
// tested without a browser's layout (jsdom has none).
import type { Lineage, LineageNode } from "../../api/pending";

export const nodeWidth = 180;
export const nodeHeight = 58;
const columnGap = 64;
const rowGap = 14;
const pad = 4;
const arcRoom = 16;

export interface PlacedNode {
  node: LineageNode;
  /** Signed distance from the root: negative upstream, positive downstream. */
  column: number;
  row: number;
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

const kindOrder: Record<string, number> = { source: 0, pipeline: 1, model: 2, dataset: 3 };

export function layoutLineage(view: Lineage): LineageLayout {
  const byId = new Map(view.nodes.map((n) => [n.id, n]));
  const edges = view.edges.filter((e) => byId.has(e.from) && byId.has(e.to) && e.from !== e.to);
  const out = neighbours(edges, "from", "to");
  const into = neighbours(edges, "to", "from");
  const columns = placeColumns(view.root, [...byId.keys()], out, into);

  const groups = new Map<number, string[]>();
  for (const [id, column] of columns) {
    groups.set(column, [...(groups.get(column) ?? []), id]);
  }
  const ordered = [...groups.keys()].sort((a, b) => a - b);
  const first = ordered[0] ?? 0;
  const tallest = Math.max(1, ...[...groups.values()].map((g) => g.length));
  const boxes = tallest * nodeHeight + (tallest - 1) * rowGap;
  // An edge skipping a column may have to arc over the boxes in between: room for the arc on top.
  const headroom = edges.some((e) => Math.abs(columns.get(e.to)! - columns.get(e.from)!) > 1) ? arcRoom : 0;
  const height = pad * 2 + headroom + boxes;
  const width = pad * 2 + ordered.length * nodeWidth + Math.max(0, ordered.length - 1) * columnGap;

  // Rows are settled from the root outwards, each node near the neighbours it shares an edge
  // with in the column before it, which keeps arrows short and mostly uncrossed.
  const centre = new Map<string, number>();
  const placed: PlacedNode[] = [];
  const outwards = [...ordered].sort((a, b) => Math.abs(a) - Math.abs(b) || a - b);
  for (const column of outwards) {
    const inner = column < 0 ? out : into;
    const ids = groups.get(column)!;
    const keyed = ids.map((id) => {
      const ys = (inner.get(id) ?? []).map((n) => centre.get(n)).filter((y): y is number => y !== undefined);
      return { id, key: ys.length > 0 ? ys.reduce((s, y) => s + y, 0) / ys.length : Number.POSITIVE_INFINITY };
    });
    keyed.sort((a, b) => (a.id === view.root ? -1 : b.id === view.root ? 1 : 0) || a.key - b.key || compareNodes(byId.get(a.id)!, byId.get(b.id)!));
    const top = pad + headroom + (boxes - (ids.length * nodeHeight + (ids.length - 1) * rowGap)) / 2;
    keyed.forEach(({ id }, row) => {
      const y = top + row * (nodeHeight + rowGap);
      centre.set(id, y + nodeHeight / 2);
      placed.push({ node: byId.get(id)!, column, row, x: pad + (column - first) * (nodeWidth + columnGap), y });
    });
  }
  placed.sort((a, b) => a.column - b.column || a.row - b.row);

  const at = new Map(placed.map((p) => [p.node.id, p]));
  return {
    nodes: placed,
    edges: edges.map((e) => ({ from: e.from, to: e.to, path: curve(at.get(e.from)!, at.get(e.to)!, placed) })),
    width,
    height,
  };
}

function neighbours(edges: { from: string; to: string }[], key: "from" | "to", other: "from" | "to"): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const e of edges) {
    map.set(e[key], [...(map.get(e[key]) ?? []), e[other]]);
  }
  return map;
}

/**
 * Upstream nodes sit at minus their longest path to the root and downstream ones at their longest
 * path from it, so every edge points right even when a model reads datasets of different depths.
 */
function placeColumns(root: string, ids: string[], out: Map<string, string[]>, into: Map<string, string[]>): Map<string, number> {
  const columns = new Map<string, number>();
  if (!ids.includes(root)) {
    ids.forEach((id) => columns.set(id, 0));
    return columns;
  }
  columns.set(root, 0);
  const ancestors = reach(root, into);
  const descendants = reach(root, out);
  const up = longest(root, out, ancestors);
  const down = longest(root, into, descendants);
  for (const id of ancestors) {
    columns.set(id, -up(id));
  }
  for (const id of descendants) {
    if (!columns.has(id)) {
      columns.set(id, down(id));
    }
  }
  // The Api's walk sends only nodes on a path through the root; should a node on no such path
  // come (a downstream model's other input, say), it goes one column before what it feeds.
  for (let pass = 0; pass < ids.length && columns.size < ids.length; pass++) {
    for (const id of ids.filter((i) => !columns.has(i))) {
      const fed = (out.get(id) ?? []).map((n) => columns.get(n)).filter((c): c is number => c !== undefined);
      const feeding = (into.get(id) ?? []).map((n) => columns.get(n)).filter((c): c is number => c !== undefined);
      if (fed.length > 0) {
        columns.set(id, Math.min(...fed) - 1);
      } else if (feeding.length > 0) {
        columns.set(id, Math.max(...feeding) + 1);
      }
    }
  }
  ids.filter((i) => !columns.has(i)).forEach((id) => columns.set(id, 0));
  return columns;
}

function reach(root: string, next: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [root];
  while (stack.length > 0) {
    for (const n of next.get(stack.pop()!) ?? []) {
      if (n !== root && !seen.has(n)) {
        seen.add(n);
        stack.push(n);
      }
    }
  }
  return seen;
}

/** Longest number of edges from a node of `within` to the root, following `toward`. */
function longest(root: string, toward: Map<string, string[]>, within: Set<string>): (id: string) => number {
  const memo = new Map<string, number>([[root, 0]]);
  const visiting = new Set<string>();
  const walk = (id: string): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    // The Api refuses cycles; if one slipped through, it must not hang the page.
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const steps = (toward.get(id) ?? []).filter((n) => n === root || within.has(n)).map((n) => walk(n) + 1);
    visiting.delete(id);
    const result = Math.max(1, ...steps);
    memo.set(id, result);
    return result;
  };
  return walk;
}

function compareNodes(a: LineageNode, b: LineageNode): number {
  return (kindOrder[a.kind] ?? 9) - (kindOrder[b.kind] ?? 9) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
}

/** A curve from the right side of one box to the left side of the other, over any box between. */
function curve(from: PlacedNode, to: PlacedNode, placed: PlacedNode[]): string {
  const x1 = from.x + nodeWidth;
  const y1 = from.y + nodeHeight / 2;
  const x2 = to.x;
  const y2 = to.y + nodeHeight / 2;
  const bend = Math.max(24, Math.abs(x2 - x1) / 2);
  const [low, high] = [Math.min(from.column, to.column), Math.max(from.column, to.column)];
  const [above, below] = [Math.min(y1, y2), Math.max(y1, y2)];
  const between = placed.filter((p) => p.column > low && p.column < high && p.y < below && p.y + nodeHeight > above);
  if (between.length === 0) {
    return `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`;
  }
  // Up in the gap after the first box, along above the boxes in the way, down in the gap before the last.
  const h = Math.min(...between.map((p) => p.y)) - 10;
  const g = columnGap;
  return `M ${x1} ${y1} C ${x1 + g / 2} ${y1}, ${x1 + g / 2} ${h}, ${x1 + g} ${h} L ${x2 - g} ${h} C ${x2 - g / 2} ${h}, ${x2 - g / 2} ${y2}, ${x2} ${y2}`;
}

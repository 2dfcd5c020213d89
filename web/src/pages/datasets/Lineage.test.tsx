import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { fakeApi, renderPage } from "../../test/render";
import { problem } from "./fixtures";
import { Lineage } from "./Lineage";
import { delayLineage, diamondLineage } from "./lineageFixtures";

function show(dataset: string) {
  return renderPage(<Lineage dataset={dataset} />, { path: `/datasets/${dataset}`, route: "/datasets/:name", role: "analyst" });
}

async function nodes() {
  return within(await screen.findByTestId("lineage")).getAllByTestId("lineage-node");
}

/** Node ids per column, left to right; within a column in id order (the rows are dagre's to choose). */
function columns(boxes: HTMLElement[]): Record<string, string[]> {
  const byColumn: Record<string, string[]> = {};
  for (const box of boxes) {
    (byColumn[box.dataset.column!] ??= []).push(box.dataset.nodeId!);
  }
  return Object.fromEntries(Object.entries(byColumn).map(([column, ids]) => [column, ids.sort()]));
}

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

function boxOf(node: HTMLElement): Box {
  const left = parseFloat(node.style.left);
  const top = parseFloat(node.style.top);
  return { left, top, right: left + parseFloat(node.style.width), bottom: top + parseFloat(node.style.height) };
}

/** The points an edge's path is drawn through (its ends and the control points between). */
function points(edge: Element): { x: number; y: number }[] {
  const numbers = edge.getAttribute("d")!.match(/-?\d+(\.\d+)?/g)!.map(Number);
  return numbers.flatMap((n, i) => (i % 2 === 0 ? [{ x: n, y: numbers[i + 1]! }] : []));
}

const near = (a: number, b: number) => Math.abs(a - b) < 0.5;
const onBorder = (p: { x: number; y: number }, b: Box) =>
  p.x >= b.left - 0.5 && p.x <= b.right + 0.5 && p.y >= b.top - 0.5 && p.y <= b.bottom + 0.5 &&
  (near(p.x, b.left) || near(p.x, b.right) || near(p.y, b.top) || near(p.y, b.bottom));
const inside = (p: { x: number; y: number }, b: Box) => p.x > b.left && p.x < b.right && p.y > b.top && p.y < b.bottom;

describe("Lineage", () => {
  it("asks for both directions three hops deep and draws upstream left, the root centre, downstream right", async () => {
    const api = fakeApi({ "GET /api/lineage": delayLineage });
    show("delay_by_origin");
    const boxes = await nodes();
    const call = api.calls.find((c) => c.url.pathname === "/api/lineage")!;
    expect([call.url.searchParams.get("dataset"), call.url.searchParams.get("direction"), call.url.searchParams.get("depth")]).toEqual(["delay_by_origin", "both", "3"]);

    // Columns count from the leftmost: sources, the pipelines loading them, what they load, the
    // model joining those, the root, then what is made from it.
    expect(columns(boxes)).toEqual({
      "0": ["source:bts_ontime", "source:ourairports"],
      "1": ["pipeline:bts_ontime", "pipeline:ourairports"],
      "2": ["dataset:airports", "dataset:flights"],
      "3": ["model:delay_by_origin"],
      "4": ["dataset:delay_by_origin"],
      "5": ["model:worst_origins"],
      "6": ["dataset:worst_origins"],
    });
    // Upstream of the root is left of it, downstream right, whatever the column numbers.
    const left = (id: string) => parseFloat(boxes.find((b) => b.dataset.nodeId === id)!.style.left);
    for (const up of ["source:bts_ontime", "pipeline:ourairports", "dataset:flights", "model:delay_by_origin"]) {
      expect(left(up)).toBeLessThan(left("dataset:delay_by_origin"));
    }
    for (const down of ["model:worst_origins", "dataset:worst_origins"]) {
      expect(left(down)).toBeGreaterThan(left("dataset:delay_by_origin"));
    }
    // Left to right in the page too, so a screen reader meets them in the order data flows.
    const lefts = boxes.map((b) => parseFloat(b.style.left));
    expect(lefts).toEqual([...lefts].sort((a, b) => a - b));
    expect(new Set(lefts).size).toBe(7);

    const root = boxes.filter((b) => b.dataset.root === "true");
    expect(root.map((b) => b.dataset.nodeId)).toEqual(["dataset:delay_by_origin"]);
    expect(root[0]!.className).toContain("root");
    expect(root[0]!.textContent).toContain("v5 · 318 rows");
  });

  it("shows each node's kind, name and facts", async () => {
    fakeApi({ "GET /api/lineage": delayLineage });
    show("delay_by_origin");
    const boxes = await nodes();
    const text = (id: string) => boxes.find((b) => b.dataset.nodeId === id)!.textContent;
    expect(text("dataset:flights")).toBe("datasetflightsv3 · 2,999,986 rows");
    expect(text("dataset:worst_origins")).toBe("datasetworst_originsnever loaded");
    expect(text("model:delay_by_origin")).toBe("modeldelay_by_originruns on input commit");
    expect(text("model:worst_origins")).toBe("modelworst_originsscheduled");
    expect(text("pipeline:bts_ontime")).toBe("pipeline · httpbts_ontimescheduled");
    // A source's name is where it reads; its kind is the source kind.
    expect(text("source:ourairports")).toBe("source · csvvega/airports.csv");
    expect(text("source:bts_ontime")).toBe("source · httptranstats.bts.gov/ontime.csv");
  });

  it("draws an arrow along every edge, leaving one box and arriving at the next further right", async () => {
    fakeApi({ "GET /api/lineage": delayLineage });
    show("delay_by_origin");
    const boxes = await nodes();
    const edges = screen.getAllByTestId("lineage-edge");
    expect(edges.map((e) => `${e.dataset.from}>${e.dataset.to}`).sort()).toEqual(delayLineage.edges.map((e) => `${e.from}>${e.to}`).sort());
    const box = (id: string) => boxOf(boxes.find((b) => b.dataset.nodeId === id)!);
    for (const edge of edges) {
      const from = box(edge.dataset.from!);
      const to = box(edge.dataset.to!);
      const path = points(edge);
      const [start, end] = [path[0]!, path[path.length - 1]!];
      expect(onBorder(start, from), `${edge.dataset.from} → ${edge.dataset.to} starts on its box`).toBe(true);
      expect(onBorder(end, to), `${edge.dataset.from} → ${edge.dataset.to} ends on its box`).toBe(true);
      expect(from.right).toBeLessThan(to.left);
      // Left to right all the way: the path never turns back.
      const xs = path.map((p) => p.x);
      expect(xs).toEqual([...xs].sort((a, b) => a - b));
      expect(edge.getAttribute("marker-end")).toMatch(/^url\(#lineage-arrow-[A-Za-z0-9_-]+\)$/);
    }
  });

  it("links datasets to their page, pipelines and models to theirs, and sources nowhere", async () => {
    fakeApi({ "GET /api/lineage": delayLineage });
    show("delay_by_origin");
    const boxes = await nodes();
    const href = (id: string) => boxes.find((b) => b.dataset.nodeId === id)!.getAttribute("href");
    expect(href("dataset:flights")).toBe("/datasets/flights");
    expect(href("dataset:delay_by_origin")).toBe("/datasets/delay_by_origin");
    expect(href("model:worst_origins")).toBe("/pipelines/worst_origins");
    expect(href("pipeline:ourairports")).toBe("/pipelines/ourairports");
    expect(href("source:ourairports")).toBeNull();
    expect(boxes.find((b) => b.dataset.nodeId === "dataset:delay_by_origin")!.getAttribute("aria-current")).toBe("page");
  });

  it("puts a model reading the root and a dataset made from it after that dataset, so every arrow points right", async () => {
    fakeApi({ "GET /api/lineage": diamondLineage });
    show("flights");
    const boxes = await nodes();
    expect(columns(boxes)).toEqual({
      "0": ["dataset:flights"],
      "1": ["model:daily"],
      "2": ["dataset:daily"],
      "3": ["model:late_days"],
      "4": ["dataset:late_days"],
    });
    const column = new Map(boxes.map((b) => [b.dataset.nodeId!, Number(b.dataset.column)]));
    const edges = screen.getAllByTestId("lineage-edge");
    for (const edge of edges) {
      expect(column.get(edge.dataset.to!)!).toBeGreaterThan(column.get(edge.dataset.from!)!);
    }
    // The arrow from flights to late_days skips two columns: it goes round their boxes, not through them.
    const skip = edges.find((e) => e.dataset.from === "dataset:flights" && e.dataset.to === "model:late_days")!;
    const between = ["model:daily", "dataset:daily"].map((id) => boxOf(boxes.find((b) => b.dataset.nodeId === id)!));
    const path = points(skip);
    expect(path.length).toBeGreaterThan(2);
    for (const p of path) {
      for (const b of between) {
        expect(inside(p, b), `(${p.x}, ${p.y}) inside a box it skips`).toBe(false);
      }
    }
  });

  it("says so when nothing writes or reads the dataset", async () => {
    fakeApi({ "GET /api/lineage": { root: "dataset:scratch", nodes: [{ id: "dataset:scratch", kind: "dataset", name: "scratch", currentVersion: 1, rowCount: 4 }], edges: [] } });
    show("scratch");
    expect((await screen.findByTestId("empty")).textContent).toContain("No lineage: no pipeline or model writes scratch");
    expect(screen.queryByTestId("lineage")).toBeNull();
  });

  it("shows the Api's problem for an unknown dataset", async () => {
    fakeApi({
      "GET /api/lineage": () => problem(404, "Not Found", undefined, [{ name: "dataset", reason: "No dataset 'nope' in your workspace: no dataset, pipeline target or model input has this name." }]),
    });
    show("nope");
    const error = await screen.findByTestId("error");
    expect(error.textContent).toContain("dataset: No dataset 'nope' in your workspace");
    expect(screen.queryByTestId("lineage")).toBeNull();
  });

  it("shows it is loading until the Api answers", async () => {
    let answer: (value: unknown) => void = () => {};
    fakeApi({ "GET /api/lineage": () => new Promise((resolve) => (answer = resolve)) });
    show("delay_by_origin");
    expect((await screen.findByTestId("loading")).textContent).toContain("Loading lineage");
    answer(delayLineage);
    expect(await nodes()).toHaveLength(10);
    expect(screen.queryByTestId("loading")).toBeNull();
  });
});

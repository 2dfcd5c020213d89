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

/** Node ids per column, left to right, each column top to bottom. */
function columns(boxes: HTMLElement[]): Record<string, string[]> {
  const byColumn: Record<string, { id: string; top: number }[]> = {};
  for (const box of boxes) {
    (byColumn[box.dataset.column!] ??= []).push({ id: box.dataset.nodeId!, top: parseFloat(box.style.top) });
  }
  return Object.fromEntries(Object.entries(byColumn).map(([column, items]) => [column, items.sort((a, b) => a.top - b.top).map((i) => i.id)]));
}

describe("Lineage", () => {
  it("asks for both directions three hops deep and draws upstream left, the root centre, downstream right", async () => {
    const api = fakeApi({ "GET /api/lineage": delayLineage });
    show("delay_by_origin");
    const boxes = await nodes();
    const call = api.calls.find((c) => c.url.pathname === "/api/lineage")!;
    expect([call.url.searchParams.get("dataset"), call.url.searchParams.get("direction"), call.url.searchParams.get("depth")]).toEqual(["delay_by_origin", "both", "3"]);

    // Each column's rows follow the neighbours nearer the root, not the names: the pipeline
    // loading airports (drawn above flights) comes first although "bts_ontime" sorts before it.
    expect(columns(boxes)).toEqual({
      "-4": ["source:ourairports", "source:bts_ontime"],
      "-3": ["pipeline:ourairports", "pipeline:bts_ontime"],
      "-2": ["dataset:airports", "dataset:flights"],
      "-1": ["model:delay_by_origin"],
      "0": ["dataset:delay_by_origin"],
      "1": ["model:worst_origins"],
      "2": ["dataset:worst_origins"],
    });
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
    // A source shows where it reads, from `where` when the Api sends it, else from its name.
    expect(text("source:ourairports")).toBe("source · csvvega/airports.csv");
    expect(text("source:bts_ontime")).toBe("source · httptranstats.bts.gov/ontime.csv");
  });

  it("draws an arrow along every edge, from the right side of one box to the left side of the next", async () => {
    fakeApi({ "GET /api/lineage": delayLineage });
    show("delay_by_origin");
    const boxes = await nodes();
    const edges = screen.getAllByTestId("lineage-edge");
    expect(edges.map((e) => `${e.dataset.from}>${e.dataset.to}`).sort()).toEqual(delayLineage.edges.map((e) => `${e.from}>${e.to}`).sort());
    const box = (id: string) => boxes.find((b) => b.dataset.nodeId === id)!;
    for (const edge of edges) {
      const from = box(edge.dataset.from!);
      const to = box(edge.dataset.to!);
      const numbers = edge.getAttribute("d")!.match(/-?\d+(\.\d+)?/g)!.map(Number);
      const [startX, startY] = numbers;
      const [endX, endY] = numbers.slice(-2);
      expect(startX).toBe(parseFloat(from.style.left) + parseFloat(from.style.width));
      expect(startY).toBe(parseFloat(from.style.top) + parseFloat(from.style.height) / 2);
      expect(endX).toBe(parseFloat(to.style.left));
      expect(endY).toBe(parseFloat(to.style.top) + parseFloat(to.style.height) / 2);
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
    // The arrow from flights to late_days skips two columns: it arcs over their boxes, not behind them.
    const skip = edges.find((e) => e.dataset.from === "dataset:flights" && e.dataset.to === "model:late_days")!;
    const along = Number(/L -?[\d.]+ (-?[\d.]+)/.exec(skip.getAttribute("d")!)![1]);
    const highestBetween = Math.min(...["model:daily", "dataset:daily"].map((id) => parseFloat(boxes.find((b) => b.dataset.nodeId === id)!.style.top)));
    expect(along).toBeLessThan(highestBetween);
    expect(along).toBeGreaterThan(0);
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

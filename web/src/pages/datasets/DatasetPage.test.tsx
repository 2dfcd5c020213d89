import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { fakeApi, renderPage } from "../../test/render";
import DatasetPage from "./DatasetPage";
import { diff, flights, preview, problem, snapshots } from "./fixtures";
import { delayLineage } from "./lineageFixtures";

// uPlot needs a canvas jsdom lacks; the chart wrapper's own data contract is what matters here.
vi.mock("../../charts/TimeSeries", () => ({
  TimeSeries: ({ testId, times, series }: { testId: string; times: number[]; series: { label: string; values: (number | null)[] }[] }) => (
    <div data-testid={testId} data-times={times.join(",")} data-values={series.map((s) => s.values.join(",")).join(";")} />
  ),
}));

const route = { path: "/datasets/flights", route: "/datasets/:name", role: "analyst" };

function stack(extra: Record<string, unknown> = {}) {
  return fakeApi({
    "GET /api/datasets/flights": flights,
    "GET /api/datasets/flights/snapshots": { items: snapshots },
    "GET /api/datasets/flights/preview": preview,
    "GET /api/datasets/flights/diff": diff,
    "GET /api/lineage": { ...delayLineage, root: "dataset:flights" },
    ...extra,
  });
}

describe("DatasetPage", () => {
  it("shows columns, snapshots with run links, charts oldest first and a preview", async () => {
    const api = stack();
    renderPage(<DatasetPage />, route);
    const columns = await screen.findAllByTestId("dataset-column");
    expect(columns.map((c) => c.getAttribute("data-column"))).toEqual(["departed_at", "delay", "origin", "_ductus_run_id"]);
    expect(columns[0]!.textContent).toContain("TIMESTAMP");
    expect(columns[0]!.textContent).toContain("required");
    expect(columns[1]!.textContent).toContain("optional");
    expect(columns[1]!.textContent).toContain("arrival delay in minutes");

    const rows = await screen.findAllByTestId("snapshot-row");
    expect(rows.map((r) => r.getAttribute("data-version"))).toEqual(["3", "2", "1"]);
    expect(rows[0]!.textContent).toContain("replace");
    expect(rows[0]!.textContent).toContain("2,999,986");
    expect(within(rows[0]!).getByTestId("snapshot-run").getAttribute("href")).toBe("/runs/7d0c3c1e-1111-4c3b-9a55-3f2f3f1e0003");
    expect(within(rows[2]!).queryByTestId("snapshot-run")).toBeNull();
    // What schema evolution allowed, per snapshot.
    expect(rows.map((r) => within(r).getByTestId("snapshot-schema").textContent)).toEqual(["—", "+tail_number VARCHAR, delay INTEGER→BIGINT", "—"]);

    expect(screen.getByTestId("snapshots-chart").getAttribute("data-values")).toBe("1500000,2999000,2999986");
    // Hours since the previous commit: 17:00 → 19:00 → 20:00.
    expect(screen.getByTestId("freshness-chart").getAttribute("data-values")).toBe(",2,1");

    const table = await screen.findByTestId("dataset-preview");
    expect(within(table).getAllByTestId("preview-row")).toHaveLength(2);
    expect(table.textContent).toContain("ORD");
    expect(table.textContent).toContain("NULL");
    expect(api.calls.find((c) => c.url.pathname.endsWith("/preview"))!.url.searchParams.get("limit")).toBe("50");
  });

  it("draws the dataset's lineage with the dataset itself highlighted", async () => {
    const api = stack();
    renderPage(<DatasetPage />, route);
    const lineage = await screen.findByTestId("lineage");
    const root = within(lineage).getAllByTestId("lineage-node").filter((n) => n.dataset.root === "true");
    expect(root.map((n) => n.dataset.nodeId)).toEqual(["dataset:flights"]);
    expect(api.calls.find((c) => c.url.pathname === "/api/lineage")!.url.searchParams.get("dataset")).toBe("flights");
  });

  it("compares two snapshots through the diff endpoint", async () => {
    const api = stack();
    renderPage(<DatasetPage />, route);
    await screen.findAllByTestId("snapshot-row");
    expect((screen.getByTestId("diff-from") as HTMLSelectElement).value).toBe("2");
    expect((screen.getByTestId("diff-to") as HTMLSelectElement).value).toBe("3");
    await userEvent.selectOptions(screen.getByTestId("diff-from"), "1");
    await userEvent.click(screen.getByTestId("diff-run"));
    const result = await screen.findByTestId("diff-result");
    const call = api.calls.find((c) => c.url.pathname === "/api/datasets/flights/diff")!;
    expect([call.url.searchParams.get("from"), call.url.searchParams.get("to")]).toEqual(["1", "3"]);
    expect(within(result).getByTestId("diff-rows-added").textContent).toBe("+1,200");
    expect(within(result).getByTestId("diff-rows-removed").textContent).toBe("−214");
    const changes = within(result).getAllByTestId("diff-schema-change");
    expect(changes.map((c) => c.getAttribute("data-kind"))).toEqual(["added", "changed"]);
    expect(changes[1]!.textContent).toContain("delay: SMALLINT → INTEGER");
    const delay = within(result).getAllByTestId("diff-column")[0]!;
    expect(delay.textContent).toContain("-60 → -75");
    expect(delay.textContent).toContain("12 → 9");
  });

  it("shows the diff's problem when a version is gone", async () => {
    stack({ "GET /api/datasets/flights/diff": () => problem(404, "Not Found", "snapshot 2 of flights no longer exists") });
    renderPage(<DatasetPage />, route);
    await screen.findAllByTestId("snapshot-row");
    await userEvent.click(screen.getByTestId("diff-run"));
    expect((await screen.findByTestId("error")).textContent).toContain("snapshot 2 of flights no longer exists");
  });

  it("says when a dataset has no snapshots yet", async () => {
    fakeApi({
      "GET /api/datasets/flights": { ...flights, currentVersion: null, rowCount: 0 },
      "GET /api/datasets/flights/snapshots": { items: [] },
    });
    renderPage(<DatasetPage />, route);
    await screen.findByText(/No snapshots yet/);
    expect(screen.getAllByTestId("empty").map((e) => e.textContent).join(" ")).toContain("Nothing to preview");
    expect(screen.queryByTestId("dataset-preview")).toBeNull();
  });

  it("shows a 404 for an unknown dataset", async () => {
    fakeApi({ "GET /api/datasets/flights": () => problem(404, "Not Found", "no dataset 'flights'") });
    renderPage(<DatasetPage />, route);
    expect((await screen.findByTestId("error")).textContent).toContain("no dataset 'flights'");
  });
});

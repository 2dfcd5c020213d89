import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { FakeEventSource } from "../../test/fakeEventSource";
import { fakeApi, renderPage } from "../../test/render";
import { run } from "./fixtures";
import RunsPage from "./RunsPage";

const pipelines = { items: [{ name: "airports" }, { name: "flights" }] };
const page = {
  items: [
    run(),
    run({ id: "a1", pipeline: "flights", dataset: "flights", status: "failed", trigger: "manual", rowsLoaded: 0, rowsRejected: 0, bytes: 0, error: "source.path: no file matches vega/flights-3m.parquet", errorStep: "extract" }),
    run({ id: "a2", pipeline: "flights", dataset: "flights", status: "running", finishedAt: null, rowsLoaded: 0, rowsRejected: 0 }),
  ],
  nextCursor: null,
};

function show() {
  return renderPage(<RunsPage />, { path: "/runs", route: "/runs" });
}

describe("RunsPage", () => {
  beforeEach(() => FakeEventSource.install());

  it("lists runs with their numbers and links each to its page", async () => {
    fakeApi({ "GET /api/runs": page, "GET /api/pipelines": pipelines });
    show();
    const rows = await screen.findAllByTestId("run-row");
    expect(rows).toHaveLength(3);
    const first = rows[0]!;
    expect(first.dataset.runId).toBe("3f1c2a9e-5b7d-4c1e-9a0b-1d2e3f4a5b6c");
    expect(first.dataset.pipeline).toBe("airports");
    expect(first.dataset.status).toBe("succeeded");
    expect(first.textContent).toContain("3,334");
    expect(first.textContent).toContain("178 KB");
    expect(first.textContent).toContain("2.5 s");
    expect(within(first).getByRole("link", { name: "airports" }).getAttribute("href")).toBe("/runs/3f1c2a9e-5b7d-4c1e-9a0b-1d2e3f4a5b6c");
    expect(rows[1]!.dataset.status).toBe("failed");
    // The pipeline filter offers the workspace's pipelines.
    await waitFor(() => expect(within(screen.getByTestId("runs-filter-pipeline")).getAllByRole("option").map((o) => o.textContent)).toContain("flights"));
  });

  it("says so when there are no runs", async () => {
    fakeApi({ "GET /api/runs": { items: [], nextCursor: null }, "GET /api/pipelines": pipelines });
    show();
    expect((await screen.findByTestId("empty")).textContent).toContain("No runs yet");
  });

  it("shows the Api's problem when the list fails", async () => {
    fakeApi({ "GET /api/runs": () => new Response(JSON.stringify({ title: "Service unavailable", status: 503 }), { status: 503 }), "GET /api/pipelines": pipelines });
    show();
    expect((await screen.findByTestId("error")).textContent).toContain("Service unavailable");
  });

  it("asks the Api for the chosen pipeline and status, and filters time itself", async () => {
    const api = fakeApi({ "GET /api/runs": page, "GET /api/pipelines": pipelines });
    show();
    await screen.findAllByTestId("run-row");
    await userEvent.selectOptions(screen.getByTestId("runs-filter-status"), "failed");
    await waitFor(() => expect(api.calls.some((c) => c.url.pathname === "/api/runs" && c.url.searchParams.get("status") === "failed")).toBe(true));
    await userEvent.selectOptions(screen.getByTestId("runs-filter-pipeline"), "flights");
    await waitFor(() =>
      expect(api.calls.some((c) => c.url.searchParams.get("pipeline") === "flights" && c.url.searchParams.get("status") === "failed")).toBe(true),
    );
  });

  it("hides runs older than the chosen window", async () => {
    const old = run({ id: "old", createdAt: "2026-01-01T00:00:00Z", startedAt: "2026-01-01T00:00:01Z", finishedAt: "2026-01-01T00:00:03Z" });
    fakeApi({ "GET /api/runs": { items: [run(), old], nextCursor: "c2" }, "GET /api/pipelines": pipelines });
    show();
    expect(await screen.findAllByTestId("run-row")).toHaveLength(2);
    expect(screen.getByTestId("runs-more")).toBeTruthy();
    await userEvent.selectOptions(screen.getByTestId("runs-filter-since"), "1h");
    expect(screen.getAllByTestId("run-row").map((r) => r.dataset.runId)).toEqual([run().id]);
    // Older pages cannot hold newer runs, so there is nothing more to load.
    expect(screen.queryByTestId("runs-more")).toBeNull();
  });

  it("loads the next page with the cursor", async () => {
    const api = fakeApi({
      "GET /api/runs": (url: URL) => (url.searchParams.get("cursor") === "c2" ? { items: [run({ id: "older" })], nextCursor: null } : { items: [run()], nextCursor: "c2" }),
      "GET /api/pipelines": pipelines,
    });
    show();
    await screen.findAllByTestId("run-row");
    await userEvent.click(screen.getByTestId("runs-more"));
    await waitFor(() => expect(screen.getAllByTestId("run-row")).toHaveLength(2));
    expect(api.calls.some((c) => c.url.searchParams.get("cursor") === "c2")).toBe(true);
  });

  it("refetches when the stream reports a change, and polls when the stream fails", async () => {
    let status = "running";
    const api = fakeApi({ "GET /api/runs": () => ({ items: [run({ status, finishedAt: null })], nextCursor: null }), "GET /api/pipelines": pipelines });
    show();
    await screen.findAllByTestId("run-row");
    const stream = FakeEventSource.latest("/api/runs/events")!;
    stream.open();
    expect(screen.getByTestId("live-indicator").dataset.mode).toBe("live");
    status = "succeeded";
    stream.emit("run", { runId: run().id, type: "status", status: "succeeded" });
    await waitFor(() => expect(screen.getByTestId("run-row").dataset.status).toBe("succeeded"));
    expect(api.calls.filter((c) => c.url.pathname === "/api/runs").length).toBeGreaterThanOrEqual(2);
    stream.fail();
    expect(screen.getByTestId("live-indicator").dataset.mode).toBe("polling");
    expect(stream.closed).toBe(true);
  });
});

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { FakeEventSource } from "../../test/fakeEventSource";
import { fakeApi, renderPage } from "../../test/render";
import { run } from "./fixtures";
import RunPage from "./RunPage";

const id = run().id;

function show(role = "engineer", runId = id) {
  return renderPage(<RunPage />, { path: `/runs/${runId}`, route: "/runs/:id", role });
}

describe("RunPage", () => {
  beforeEach(() => FakeEventSource.install());

  it("shows the run's status, numbers, steps and a link to its rejects", async () => {
    fakeApi({ [`GET /api/runs/${id}`]: run() });
    show();
    expect((await screen.findByTestId("run-status")).textContent).toBe("succeeded");
    expect(screen.getByTestId("run-spec-version").textContent).toBe("3");
    expect(screen.getByTestId("run-rows-loaded").textContent).toBe("3,334");
    expect(screen.getByTestId("run-duration").textContent).toBe("2.5 s");
    const steps = within(screen.getByTestId("run-steps")).getAllByTestId("run-step");
    expect(steps.map((s) => s.dataset.step)).toEqual(["extract", "transform", "contract", "load", "commit"]);
    expect(steps[3]!.textContent).toContain("640 ms");
    expect(steps[3]!.textContent).toContain("3,334 rows");
    const link = screen.getByTestId("run-rejects-link");
    expect(link.getAttribute("href")).toBe(`/runs/${id}/rejects`);
    expect(link.textContent).toContain("42");
    expect(screen.queryByTestId("run-error")).toBeNull();
    expect(screen.getByTestId("run-trigger").textContent).toBe("schedule");
    // A pipeline's run reads no datasets.
    expect(screen.queryByTestId("run-inputs")).toBeNull();
    // A finished run opens no stream.
    expect(FakeEventSource.instances).toHaveLength(0);
  });

  it("lists the input snapshots a model's run read and says an upstream commit queued it", async () => {
    const modelRun = {
      ...run({ pipeline: "delay_by_origin", dataset: "delay_by_origin", trigger: "upstream", rowsRejected: 0 }),
      inputs: [
        { dataset: "flights", version: 3 },
        { dataset: "airports", version: 2 },
      ],
    };
    fakeApi({ [`GET /api/runs/${id}`]: modelRun });
    show();
    const inputs = within(await screen.findByTestId("run-inputs")).getAllByTestId("run-input");
    expect(inputs.map((i) => i.textContent)).toEqual(["flights v3", "airports v2"]);
    expect(inputs.map((i) => i.getAttribute("href"))).toEqual(["/datasets/flights", "/datasets/airports"]);
    expect(screen.getByTestId("run-trigger").textContent).toBe("upstream commit");
    expect(screen.queryByTestId("run-build")).toBeNull();
  });

  it("says whether a model's run built incrementally or in full, and why", async () => {
    const build = (mode: string, reason: string, filesRead: number) => ({
      ...run({ pipeline: "delayed", dataset: "delayed", trigger: "upstream", rowsRejected: 0 }),
      inputs: [{ dataset: "flights", version: 7 }],
      build: { mode, reason, driving: "flights", filesRead },
    });
    fakeApi({ [`GET /api/runs/${id}`]: build("incremental", "reads what flights appended after v6", 1) });
    const { unmount } = show();
    const incremental = await screen.findByTestId("run-build");
    expect(incremental.textContent).toBe("incremental: reads what flights appended after v6 (1 file read)");

    unmount();
    fakeApi({ [`GET /api/runs/${id}`]: build("full", "flights v7 was a replace", 4) });
    show();
    expect((await screen.findByTestId("run-build")).textContent).toBe("full rebuild: flights v7 was a replace (4 files read)");
  });

  it("shows no inputs when a run's list is empty", async () => {
    fakeApi({ [`GET /api/runs/${id}`]: { ...run({ trigger: "manual" }), inputs: [] } });
    show();
    expect((await screen.findByTestId("run-trigger")).textContent).toBe("manual");
    expect(screen.queryByTestId("run-inputs")).toBeNull();
  });

  it("shows why a run failed and in which step", async () => {
    fakeApi({ [`GET /api/runs/${id}`]: run({ status: "failed", error: "source.path: no file matches vega/airports.csv", errorStep: "extract", steps: {}, rowsRejected: 0 }) });
    show();
    const error = await screen.findByTestId("run-error");
    expect(error.textContent).toContain("extract");
    expect(error.textContent).toContain("no file matches vega/airports.csv");
    expect(screen.getByTestId("run-step").dataset.state).toBe("failed");
    expect(screen.queryByTestId("run-rejects-link")).toBeNull();
  });

  it("shows the error state for a run that does not exist", async () => {
    fakeApi({});
    show();
    expect((await screen.findByTestId("error")).textContent).toContain("Not Found");
  });

  it("offers no replay or cancel to an analyst", async () => {
    fakeApi({ [`GET /api/runs/${id}`]: run({ status: "running", finishedAt: null }) });
    show("analyst");
    await screen.findByTestId("run-status");
    expect(screen.queryByTestId("run-replay")).toBeNull();
    expect(screen.queryByTestId("run-cancel")).toBeNull();
  });

  it("replays the rejects and goes to the new run", async () => {
    const replayed = run({ id: "9d8c7b6a-0000-4000-8000-000000000001", status: "queued", trigger: "replay", replayOf: id, startedAt: null, finishedAt: null, steps: {} });
    const api = fakeApi({ [`GET /api/runs/${id}`]: run(), [`POST /api/runs/${id}/replay`]: replayed, [`GET /api/runs/${replayed.id}`]: replayed });
    show();
    await userEvent.click(await screen.findByTestId("run-replay"));
    await waitFor(() => expect(screen.getByTestId("run-status").textContent).toBe("queued"));
    expect(api.calls.some((c) => c.method === "POST" && c.url.pathname === `/api/runs/${id}/replay`)).toBe(true);
    expect(screen.getByText(/an earlier run/).getAttribute("href")).toBe(`/runs/${id}`);
  });

  it("follows a running run live and cancels it", async () => {
    const running = run({ status: "running", finishedAt: null, steps: {}, rowsLoaded: 0, rowsRejected: 0 });
    fakeApi({ [`GET /api/runs/${id}`]: running, [`POST /api/runs/${id}/cancel`]: { ...running, status: "cancelled", finishedAt: new Date().toISOString() } });
    show();
    await screen.findByTestId("run-status");
    const stream = FakeEventSource.latest(`/api/runs/${id}/events`)!;
    expect(stream).toBeTruthy();
    stream.open();
    stream.emit("step", { step: "extract", state: "finished", milliseconds: 310 });
    stream.emit("step", { step: "contract", state: "finished", rows: 3376, milliseconds: 85 });
    stream.emit("step", { step: "load", state: "started" });
    const steps = screen.getAllByTestId("run-step");
    expect(steps.map((s) => `${s.dataset.step}:${s.dataset.state}`)).toEqual(["extract:finished", "contract:finished", "load:started"]);
    expect(steps[1]!.textContent).toContain("3,376 rows");
    expect(screen.getByTestId("live-indicator").dataset.mode).toBe("live");

    await userEvent.click(screen.getByTestId("run-cancel"));
    await waitFor(() => expect(screen.getByTestId("run-status").textContent).toBe("cancelled"));
    expect(screen.queryByTestId("run-cancel")).toBeNull();
  });

  it("takes the final status from the stream's last run event", async () => {
    const running = run({ status: "running", finishedAt: null, steps: {} });
    fakeApi({ [`GET /api/runs/${id}`]: running });
    show();
    await screen.findByTestId("run-status");
    const stream = FakeEventSource.latest(`/api/runs/${id}/events`)!;
    stream.emit("run", run({ rowsLoaded: 3334 }), "end");
    expect(screen.getByTestId("run-status").textContent).toBe("succeeded");
    expect(stream.closed).toBe(true);
  });
});

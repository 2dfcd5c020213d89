import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { fakeApi, renderPage } from "../../test/render";
import { problem } from "../datasets/fixtures";
import PipelinesPage from "./PipelinesPage";
import { airportsPipeline, flightsPipeline, run } from "./fixtures";

describe("PipelinesPage", () => {
  it("lists pipelines with enabled, schedule, next fire and the last run's status", async () => {
    fakeApi({
      "GET /api/pipelines": { items: [flightsPipeline, airportsPipeline] },
      "GET /api/runs": {
        items: [run({ id: "r-new", status: "failed" }), run({ id: "r-old", status: "succeeded" })],
        nextCursor: null,
      },
    });
    renderPage(<PipelinesPage />, { role: "analyst" });
    const rows = await screen.findAllByTestId("pipeline-row");
    expect(rows.map((r) => r.getAttribute("data-pipeline"))).toEqual(["airports", "flights"]);
    const [airports, flights] = rows as [HTMLElement, HTMLElement];
    expect(airports.textContent).toContain("enabled");
    expect(airports.textContent).toContain("0 0 6 * * ?");
    expect(airports.textContent).toMatch(/2026-12-0[56] \d\d:00/);
    const last = await within(airports).findByTestId("pipeline-last-run");
    expect(last.getAttribute("data-status")).toBe("failed");
    expect(last.closest("a")!.getAttribute("href")).toBe("/runs/r-new");
    expect(flights.textContent).toContain("paused");
    expect(flights.textContent).toContain("manual");
    expect(flights.textContent).toContain("never run");
  });

  it("says when there are no pipelines", async () => {
    fakeApi({ "GET /api/pipelines": { items: [] }, "GET /api/runs": { items: [] } });
    renderPage(<PipelinesPage />);
    expect((await screen.findByTestId("empty")).textContent).toContain("No pipelines yet");
  });

  it("shows the Api's problem", async () => {
    fakeApi({ "GET /api/pipelines": () => problem(503, "Service Unavailable", "catalog is starting") });
    renderPage(<PipelinesPage />);
    expect((await screen.findByTestId("error")).textContent).toContain("catalog is starting");
  });
});

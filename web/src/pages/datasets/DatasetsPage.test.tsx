import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeApi, renderPage } from "../../test/render";
import DatasetsPage from "./DatasetsPage";
import { airports, flights, problem } from "./fixtures";

describe("DatasetsPage", () => {
  it("lists datasets with rows, columns and a freshness badge, and filters by search", async () => {
    fakeApi({ "GET /api/datasets": { items: [flights, airports] } });
    renderPage(<DatasetsPage />, { role: "analyst" });
    const rows = await screen.findAllByTestId("dataset-row");
    expect(rows.map((r) => r.getAttribute("data-dataset"))).toEqual(["airports", "flights"]);
    const flightsRow = rows[1]!;
    expect(flightsRow.textContent).toContain("2,999,986");
    expect(flightsRow.textContent).toContain("US domestic flights");
    // _ductus_* bookkeeping columns are not the dataset's own.
    expect(within(flightsRow).getAllByRole("cell")[3]!.textContent).toBe("3");
    expect(within(flightsRow).getByTestId("freshness-badge").getAttribute("data-status")).toBe("fresh");
    expect(within(rows[0]!).getByTestId("freshness-badge").getAttribute("data-status")).toBe("stale");
    expect(within(rows[0]!).getByTestId("freshness-badge").textContent).toBe("late");

    await userEvent.type(screen.getByTestId("dataset-search"), "iata");
    expect(screen.getAllByTestId("dataset-row").map((r) => r.getAttribute("data-dataset"))).toEqual(["airports"]);
    await userEvent.clear(screen.getByTestId("dataset-search"));
    await userEvent.type(screen.getByTestId("dataset-search"), "nothing-like-this");
    expect(screen.queryAllByTestId("dataset-row")).toHaveLength(0);
    expect(screen.getByTestId("empty").textContent).toContain("nothing-like-this");
  });

  it("says so when the workspace has no datasets", async () => {
    fakeApi({ "GET /api/datasets": { items: [] } });
    renderPage(<DatasetsPage />);
    expect((await screen.findByTestId("empty")).textContent).toContain("No datasets yet");
  });

  it("shows the Api's problem when the list fails", async () => {
    fakeApi({ "GET /api/datasets": () => problem(500, "Internal Server Error", "catalog unavailable") });
    renderPage(<DatasetsPage />);
    expect((await screen.findByTestId("error")).textContent).toContain("catalog unavailable");
  });
});

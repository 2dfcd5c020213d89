import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeApi, renderPage } from "../../test/render";
import DatasetsPage from "./DatasetsPage";
import { airports, flights, problem } from "./fixtures";

describe("DatasetsPage", () => {
  it("lists datasets in the Api's order with owner, tags, rows, columns and a freshness badge", async () => {
    fakeApi({ "GET /api/datasets": { items: [airports, flights] } });
    renderPage(<DatasetsPage />, { role: "analyst" });
    const rows = await screen.findAllByTestId("dataset-row");
    expect(rows.map((r) => r.getAttribute("data-dataset"))).toEqual(["airports", "flights"]);
    const flightsRow = rows[1]!;
    expect(flightsRow.textContent).toContain("2,999,986");
    expect(flightsRow.textContent).toContain("US domestic flights");
    expect(within(flightsRow).getByTestId("dataset-owner").textContent).toBe("ops-team");
    expect(within(flightsRow).getAllByTestId("tag").map((t) => t.textContent)).toEqual(["aviation", "daily"]);
    // _ductus_* bookkeeping columns are not the dataset's own.
    expect(within(flightsRow).getAllByRole("cell")[5]!.textContent).toBe("3");
    expect(within(flightsRow).getByTestId("freshness-badge").getAttribute("data-status")).toBe("fresh");
    expect(within(rows[0]!).getByTestId("freshness-badge").getAttribute("data-status")).toBe("stale");
    expect(within(rows[0]!).getByTestId("freshness-badge").textContent).toBe("late");
  });

  it("searches through the Api with ?q= once typing pauses, and says when nothing matches", async () => {
    const api = fakeApi({
      "GET /api/datasets": (url: URL) => {
        const q = url.searchParams.get("q");
        return { items: q === null ? [airports, flights] : q === "iata" ? [airports] : [] };
      },
    });
    renderPage(<DatasetsPage />, { path: "/datasets", route: "/datasets", role: "analyst" });
    expect(await screen.findAllByTestId("dataset-row")).toHaveLength(2);

    await userEvent.type(screen.getByTestId("dataset-search"), "iata");
    await waitFor(() => expect(screen.getAllByTestId("dataset-row").map((r) => r.getAttribute("data-dataset"))).toEqual(["airports"]));
    // One request for the settled words, none per keystroke.
    expect(api.calls.filter((c) => c.url.searchParams.has("q")).map((c) => c.url.searchParams.get("q"))).toEqual(["iata"]);

    await userEvent.clear(screen.getByTestId("dataset-search"));
    await userEvent.type(screen.getByTestId("dataset-search"), "nothing-like-this");
    expect((await screen.findByTestId("empty")).textContent).toContain("nothing-like-this");
  });

  it("filters by a tag clicked in the list, and clears the filter", async () => {
    const api = fakeApi({
      "GET /api/datasets": (url: URL) => ({ items: url.searchParams.get("tag") === "reference" ? [airports] : [airports, flights] }),
    });
    renderPage(<DatasetsPage />, { path: "/datasets", route: "/datasets", role: "analyst" });
    const rows = await screen.findAllByTestId("dataset-row");
    await userEvent.click(within(rows[0]!).getByText("reference"));

    await waitFor(() => expect(screen.getAllByTestId("dataset-row")).toHaveLength(1));
    expect(screen.getByTestId("dataset-tag-filter").textContent).toContain("reference");
    expect(api.calls.some((c) => c.url.searchParams.get("tag") === "reference")).toBe(true);
    await userEvent.click(screen.getByTestId("dataset-tag-filter"));
    await waitFor(() => expect(screen.getAllByTestId("dataset-row")).toHaveLength(2));
    expect(screen.queryByTestId("dataset-tag-filter")).toBeNull();
  });

  it("starts from an owner in the address", async () => {
    const api = fakeApi({ "GET /api/datasets": { items: [flights] } });
    renderPage(<DatasetsPage />, { path: "/datasets?owner=ops-team", route: "/datasets", role: "analyst" });
    expect(await screen.findAllByTestId("dataset-row")).toHaveLength(1);
    expect(screen.getByTestId("dataset-owner-filter").textContent).toContain("ops-team");
    expect(api.calls[0]!.url.searchParams.get("owner")).toBe("ops-team");
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

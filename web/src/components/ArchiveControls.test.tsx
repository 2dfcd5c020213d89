import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router-dom";
import { describe, expect, it, vi } from "vitest";
import "../editor/jsdom";
import { fakeApi, renderPage } from "../test/render";
import DatasetPage from "../pages/datasets/DatasetPage";
import { flights, problem } from "../pages/datasets/fixtures";
import PipelinePage from "../pages/pipelines/PipelinePage";
import { airportsPipeline } from "../pages/pipelines/fixtures";

// uPlot needs a canvas jsdom lacks; the dataset page's charts are beside the point here.
vi.mock("../charts/TimeSeries", () => ({ TimeSeries: () => null }));

const noContent = () => new Response(null, { status: 204 });

// A whole page with a round trip each way: above vitest's 5 s default on a busy machine.
const pageFlow = 20_000;

function datasetPage(role: string) {
  return renderPage(<DatasetPage />, { path: "/datasets/flights", route: "/datasets/:name", role });
}

function pipelinePage(role: string) {
  return renderPage(
    <Routes>
      <Route path="/pipelines/:name" element={<PipelinePage />} />
    </Routes>,
    { path: "/pipelines/airports", route: "/*", role },
  );
}

const dataset = {
  "GET /api/datasets/flights/snapshots": { items: [] },
  "GET /api/lineage": { root: "dataset:flights", nodes: [], edges: [] },
};

describe("archive and restore", () => {
  it("shows a dataset's owner and tags, and archives it after a confirmation, then restores it", async () => {
    let archived = false;
    const api = fakeApi({
      ...dataset,
      "GET /api/datasets/flights": () => (archived ? problem(404, "Not Found", "no dataset 'flights'") : flights),
      "DELETE /api/datasets/flights": () => ((archived = true), noContent()),
      "POST /api/datasets/flights/restore": () => ((archived = false), noContent()),
    });
    datasetPage("engineer");
    expect((await screen.findByTestId("dataset-owner")).textContent).toBe("ops-team");
    expect(screen.getAllByTestId("tag").map((t) => t.getAttribute("href"))).toEqual(["/datasets?tag=aviation", "/datasets?tag=daily"]);

    await userEvent.click(screen.getByTestId("archive"));
    await userEvent.click(screen.getByTestId("archive-cancel"));
    expect(api.calls.some((c) => c.method === "DELETE")).toBe(false);
    await userEvent.click(screen.getByTestId("archive"));
    await userEvent.click(screen.getByTestId("archive-confirm"));

    const offer = await screen.findByTestId("restore-offer");
    expect(offer.textContent).toContain("archived");
    await userEvent.click(within(offer).getByTestId("restore"));
    await waitFor(() => expect(screen.queryByTestId("restore-offer")).toBeNull());
    expect(api.calls.filter((c) => c.method !== "GET").map((c) => `${c.method} ${c.url.pathname}`)).toEqual([
      "DELETE /api/datasets/flights",
      "POST /api/datasets/flights/restore",
    ]);
    expect(screen.getByTestId("archive")).toBeTruthy();
  }, pageFlow);

  it("offers an analyst neither archive nor restore", async () => {
    fakeApi({ ...dataset, "GET /api/datasets/flights": flights });
    datasetPage("analyst");
    await screen.findByTestId("dataset-owner");
    expect(screen.queryByTestId("archive")).toBeNull();
  });

  it("offers to restore a dataset that answers 404, and shows the Api's refusal", async () => {
    fakeApi({
      "GET /api/datasets/flights": () => problem(404, "Not Found", "no dataset 'flights'"),
      "POST /api/datasets/flights/restore": () => problem(409, "Conflict", "dataset 'flights' is not archived"),
    });
    datasetPage("admin");
    await userEvent.click(await screen.findByTestId("restore"));
    expect((await screen.findByTestId("restore-error")).textContent).toContain("is not archived");
  });

  it("archives and restores a pipeline, whose owner, tags and description show", async () => {
    let archived = false;
    const api = fakeApi({
      "GET /api/pipelines/airports": () => (archived ? problem(404, "Not Found", "no pipeline 'airports'") : airportsPipeline),
      "DELETE /api/pipelines/airports": () => ((archived = true), noContent()),
      "POST /api/pipelines/airports/restore": () => ((archived = false), noContent()),
    });
    pipelinePage("engineer");
    expect((await screen.findByTestId("pipeline-owner")).textContent).toBe("ana@example.com");
    expect(screen.getByTestId("pipeline-description").textContent).toBe("Airports by IATA code");
    expect(screen.getAllByTestId("tag").map((t) => t.textContent)).toEqual(["reference"]);

    await userEvent.click(screen.getByTestId("archive"));
    await userEvent.click(screen.getByTestId("archive-confirm"));
    await userEvent.click(await screen.findByTestId("restore"));
    await waitFor(() => expect(screen.queryByTestId("restore-offer")).toBeNull());
    expect(api.calls.filter((c) => c.method !== "GET").map((c) => `${c.method} ${c.url.pathname}`)).toEqual([
      "DELETE /api/pipelines/airports",
      "POST /api/pipelines/airports/restore",
    ]);
  }, pageFlow);
});

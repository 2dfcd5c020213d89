import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { EditorView } from "@codemirror/view";
import { Route, Routes } from "react-router-dom";
import { describe, expect, it } from "vitest";
import "../../editor/jsdom";
import { fakeApi, renderPage } from "../../test/render";
import { problem } from "../datasets/fixtures";
import PipelinePage from "./PipelinePage";
import { airportsPipeline, run, specV2, versions } from "./fixtures";

function page(role: string) {
  return renderPage(
    <Routes>
      <Route path="/pipelines/:name" element={<PipelinePage />} />
      <Route path="/runs/:id" element={<p data-testid="run-page">run page</p>} />
    </Routes>,
    { path: "/pipelines/airports", route: "/*", role },
  );
}

function specText(): string {
  const element = screen.getByTestId("pipeline-spec").querySelector(".cm-editor");
  return EditorView.findFromDOM(element as HTMLElement)!.state.doc.toString();
}

const base = {
  "GET /api/pipelines/airports": airportsPipeline,
  "GET /api/pipelines/airports/versions": versions,
};

describe("PipelinePage", () => {
  it("shows schedule, next fire, the stored spec read-only and no engineer actions to an analyst", async () => {
    fakeApi(base);
    page("analyst");
    expect((await screen.findByTestId("pipeline-schedule")).textContent).toBe("0 0 6 * * ?");
    expect(screen.getByTestId("pipeline-next-fire").getAttribute("data-at")).toBe("2026-12-06T06:00:00Z");
    await waitFor(() => expect(specText()).toBe(specV2));
    expect(screen.getByTestId("pipeline-spec").getAttribute("data-readonly")).toBe("true");
    expect(screen.queryByTestId("pipeline-edit")).toBeNull();
    expect(screen.queryByTestId("pipeline-run-now")).toBeNull();
    expect(screen.queryByTestId("pipeline-enabled")).toBeNull();
    expect(screen.getByTestId("pipeline-enabled-state").textContent).toBe("enabled");
  });

  it("lists versions and diffs the two picked", async () => {
    fakeApi(base);
    page("analyst");
    const rows = await screen.findAllByTestId("pipeline-version");
    expect(rows.map((r) => r.getAttribute("data-version"))).toEqual(["2", "1"]);
    expect(rows[0]!.textContent).toContain("airports_v2");
    const diff = await screen.findByTestId("pipeline-diff");
    await waitFor(() => expect(diff.querySelectorAll(".cm-editor")).toHaveLength(2));
    expect(diff.textContent).toContain("^[A-Z]{3}$");
    expect(diff.textContent).toContain("^[A-Z0-9]{3}$");
    expect(diff.querySelectorAll(".cm-changedLine").length).toBeGreaterThan(0);
    await userEvent.click(within(rows[1]!).getByTestId("pipeline-version-select"));
    expect(screen.queryByTestId("pipeline-diff")).toBeNull();
  });

  it("saves an edit and shows each validation error at its path and line", async () => {
    const api = fakeApi({
      ...base,
      "PUT /api/pipelines/airports": () =>
        problem(400, "One or more validation errors occurred.", undefined, [
          { name: "contract.columns.iata.pattern", reason: "'^[A-Z0-9{3}$' is not a valid regular expression" },
          { name: "target.dataset", reason: "is required" },
        ]),
    });
    page("engineer");
    await waitFor(() => expect(specText()).toBe(specV2));
    await userEvent.click(screen.getByTestId("pipeline-edit"));
    expect(screen.getByTestId("pipeline-spec").getAttribute("data-readonly")).toBe("false");
    const element = screen.getByTestId("pipeline-spec").querySelector(".cm-editor") as HTMLElement;
    const view = EditorView.findFromDOM(element)!;
    const broken = specV2.replace("^[A-Z0-9]{3}$", "^[A-Z0-9{3}$");
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: broken } });
    await userEvent.click(screen.getByTestId("pipeline-save"));
    const errors = await screen.findAllByTestId("pipeline-validation-error");
    expect(errors.map((e) => e.getAttribute("data-path"))).toEqual(["contract.columns.iata.pattern", "target.dataset"]);
    expect(errors[0]!.textContent).toContain("is not a valid regular expression");
    expect(errors[0]!.getAttribute("data-line")).toBe("7");
    expect(errors[1]!.getAttribute("data-line")).toBe("9");
    const put = api.calls.find((c) => c.method === "PUT")!;
    expect(put.body).toBe(broken);
    // Still editing: the draft is kept for the fix.
    expect(specText()).toBe(broken);
  });

  it("saves a valid edit as the next version", async () => {
    let saved = false;
    fakeApi({
      "GET /api/pipelines/airports": () => (saved ? { ...airportsPipeline, version: 3 } : airportsPipeline),
      "GET /api/pipelines/airports/versions": () => (saved ? { items: [{ version: 3, createdAt: "2026-12-05T21:00:00Z", spec: specV2 + "timeout: 10m\n" }, ...versions.items] } : versions),
      "PUT /api/pipelines/airports": () => {
        saved = true;
        return { ...airportsPipeline, version: 3 };
      },
    });
    page("engineer");
    await waitFor(() => expect(specText()).toBe(specV2));
    await userEvent.click(screen.getByTestId("pipeline-edit"));
    await userEvent.click(screen.getByTestId("pipeline-save"));
    await waitFor(() => expect(specText()).toBe(specV2 + "timeout: 10m\n"));
    expect(screen.getAllByTestId("pipeline-version")).toHaveLength(3);
  });

  it("runs now and opens the run; pauses the schedule", async () => {
    let current = airportsPipeline;
    const api = fakeApi({
      ...base,
      "GET /api/pipelines/airports": () => current,
      "PATCH /api/pipelines/airports": () => (current = { ...airportsPipeline, enabled: false, nextRunAt: null, nextRunNote: "disabled: paused" }),
      "POST /api/pipelines/airports/runs": () => new Response(JSON.stringify(run({ id: "new-run", status: "queued" })), { status: 202 }),
    });
    page("engineer");
    const enabled = (await screen.findByTestId("pipeline-enabled")) as HTMLInputElement;
    expect(enabled.checked).toBe(true);
    await userEvent.click(enabled);
    await waitFor(() => expect((screen.getByTestId("pipeline-enabled") as HTMLInputElement).checked).toBe(false));
    expect(JSON.parse(api.calls.find((c) => c.method === "PATCH")!.body!)).toEqual({ enabled: false });
    expect(screen.getByTestId("pipeline-next-fire").textContent).toBe("disabled: paused");
    await userEvent.click(screen.getByTestId("pipeline-run-now"));
    await screen.findByTestId("run-page");
  });

  it("renders the parsed spec when the Api keeps no version history", async () => {
    fakeApi({ "GET /api/pipelines/airports": airportsPipeline });
    page("engineer");
    expect((await screen.findByTestId("empty")).textContent).toContain("does not keep a version history");
    expect(specText()).toContain("path: airports.csv");
    expect(screen.getByTestId("pipeline-edit")).toBeTruthy();
  });

  it("shows a 404 for an unknown pipeline", async () => {
    fakeApi({ "GET /api/pipelines/airports": () => problem(404, "Not Found", "no pipeline 'airports'") });
    page("engineer");
    expect((await screen.findByTestId("error")).textContent).toContain("no pipeline 'airports'");
  });
});

import { StrictMode } from "react";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { EditorView } from "@codemirror/view";
import { afterEach, describe, expect, it, vi } from "vitest";
import "../../editor/jsdom";
import { fakeApi, renderPage } from "../../test/render";
import { airports, flights, problem, snapshots } from "../datasets/fixtures";
import QueryPage from "./QueryPage";

vi.mock("../../charts/EChart", () => ({
  EChart: ({ testId, option }: { testId: string; option: unknown }) => <pre data-testid={testId}>{JSON.stringify(option)}</pre>,
}));

afterEach(() => vi.unstubAllGlobals());

const columns = [
  { name: "origin", type: "VARCHAR" },
  { name: "n", type: "BIGINT" },
];

function answer(rows: unknown[][], versions = "flights=3", truncated = false) {
  return new Response(JSON.stringify({ columns, rows, truncated }), { status: 200, headers: { "Content-Type": "application/json", "X-Ductus-Versions": versions, "X-Ductus-Cache": "miss" } });
}

function stack(query: (body: Record<string, unknown>, request: Request) => Response | Promise<Response>) {
  const bodies: Record<string, unknown>[] = [];
  const api = fakeApi({
    "GET /api/datasets": { items: [flights, airports] },
    "GET /api/datasets/flights/snapshots": { items: snapshots },
    "GET /api/datasets/airports/snapshots": { items: [] },
  });
  const fake = globalThis.fetch as unknown as (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      if (input instanceof Request && new URL(input.url).pathname === "/api/query") {
        const body = JSON.parse(await input.clone().text()) as Record<string, unknown>;
        bodies.push(body);
        const response = await query(body, input);
        // As a browser does: an aborted request fails, whatever the server answered.
        if (input.signal.aborted) {
          throw new DOMException("The operation was aborted.", "AbortError");
        }
        return response;
      }
      return fake(input, init);
    }),
  );
  return { api, bodies };
}

function editor(): EditorView {
  const element = screen.getByTestId("query-editor").querySelector(".cm-editor");
  return EditorView.findFromDOM(element as HTMLElement)!;
}

const ordSql = "SELECT origin, count(*) AS n FROM flights GROUP BY 1";

describe("QueryPage", () => {
  it("opens a shared link pre-filled, runs it pinned, and shares the versions it read", async () => {
    const { bodies } = stack(() => answer([["ORD", 120], ["ATL", 90]], "flights=2"));
    // Strict mode mounts twice, as the app does in development: the link still runs.
    renderPage(<StrictMode><QueryPage /></StrictMode>, { path: `/query?sql=${encodeURIComponent(ordSql)}&pin=flights:2`, route: "/query", role: "analyst" });
    const grid = await screen.findByTestId("query-grid");
    expect(bodies.at(-1)).toEqual({ sql: ordSql, versions: { flights: 2 }, limit: 10000 });
    expect(screen.queryByTestId("query-cancelled")).toBeNull();
    expect(within(grid).getAllByTestId("query-row").map((r) => r.textContent)).toEqual(["1ORD120", "2ATL90"]);
    expect(screen.getByTestId("query-row-count").textContent).toBe("2 rows");
    expect(screen.getByTestId("query-versions").textContent).toBe("read flights v2");
    expect(editor().state.doc.toString()).toBe(ordSql);
    const pin = within(screen.getByTestId("query-pins")).getByTestId("query-pin");
    expect(pin.getAttribute("data-dataset")).toBe("flights");
    expect((within(pin).getByTestId("query-pin-version") as HTMLSelectElement).value).toBe("2");

    await userEvent.click(screen.getByTestId("query-share"));
    const link = (screen.getByTestId("query-share-link") as HTMLInputElement).value;
    expect(link).toBe(`${window.location.origin}/query?sql=${encodeURIComponent(ordSql)}&pin=flights:2`);
  });

  it("runs what the editor holds, pins only datasets it names, and pages the result", async () => {
    const rows = Array.from({ length: 120 }, (_, i) => [`A${String(i).padStart(3, "0")}`, i]);
    const { bodies } = stack(() => answer(rows, "airports=2", true));
    renderPage(<QueryPage />, { path: "/query", route: "/query", role: "analyst" });
    await screen.findByRole("option", { name: /^v1 ·/ });
    // The starter statement names flights: pin it, then switch the statement to airports.
    await userEvent.selectOptions(screen.getByTestId("query-pin-version"), "1");
    const view = editor();
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: "SELECT iata AS origin, 1 AS n FROM airports" } });
    await userEvent.selectOptions(screen.getByTestId("query-limit"), "1000");
    await userEvent.click(screen.getByTestId("query-run"));
    await screen.findByTestId("query-grid");
    expect(bodies[0]).toEqual({ sql: "SELECT iata AS origin, 1 AS n FROM airports", limit: 1000 });
    expect(screen.getByTestId("query-row-count").textContent).toBe("120 rows");
    expect(screen.getByTestId("query-truncated").textContent).toBe("cut at 1,000");
    expect(screen.getAllByTestId("query-row")).toHaveLength(50);
    expect(screen.getByTestId("query-page-prev")).toHaveProperty("disabled", true);
    await userEvent.click(screen.getByTestId("query-page-next"));
    expect(screen.getAllByTestId("query-row")[0]!.textContent).toBe("51A05050");
    await userEvent.click(screen.getByTestId("query-page-next"));
    expect(screen.getAllByTestId("query-row")).toHaveLength(20);
    expect(screen.getByTestId("query-page-next")).toHaveProperty("disabled", true);
    await userEvent.click(screen.getByTestId("query-page-prev"));
    expect(screen.getAllByTestId("query-row")[0]!.textContent).toBe("51A05050");
  });

  it("runs on Ctrl+Enter and shows the guard's refusal", async () => {
    stack(() => problem(400, "One or more validation errors occurred.", undefined, [{ name: "sql", reason: "function getenv is not allowed" }]));
    renderPage(<QueryPage />, { path: "/query", route: "/query", role: "analyst" });
    await screen.findAllByTestId("query-pin");
    editor().focus();
    await userEvent.keyboard("{Control>}{Enter}{/Control}");
    expect((await screen.findByTestId("error")).textContent).toContain("sql: function getenv is not allowed");
  });

  it("shows progress while a query runs and cancels it", async () => {
    stack(
      (_, request) =>
        new Promise<Response>((_resolve, reject) => {
          request.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
        }),
    );
    renderPage(<QueryPage />, { path: "/query", route: "/query", role: "analyst" });
    await userEvent.click(screen.getByTestId("query-run"));
    expect((await screen.findByTestId("query-progress")).textContent).toContain("Running");
    expect(screen.getByTestId("query-run")).toHaveProperty("disabled", true);
    await userEvent.click(screen.getByTestId("query-cancel"));
    await screen.findByTestId("query-cancelled");
    expect(screen.queryByTestId("query-progress")).toBeNull();
  });

  it("downloads CSV and Parquet of the same snapshots through the format option", async () => {
    const accepts: string[] = [];
    const { bodies } = stack((_, request) => {
      const accept = request.headers.get("Accept") ?? "";
      accepts.push(accept);
      return accept === "application/json" ? answer([["ORD", 1]], "flights=3") : new Response("origin,n\r\nORD,1\r\n", { status: 200, headers: { "Content-Type": accept } });
    });
    const created = vi.fn((_blob: Blob) => "blob:result");
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() }));
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    renderPage(<QueryPage />, { path: `/query?sql=${encodeURIComponent(ordSql)}`, route: "/query", role: "analyst" });
    await screen.findByTestId("query-grid");
    await userEvent.click(screen.getByTestId("query-download-csv"));
    await waitFor(() => expect(created).toHaveBeenCalledTimes(1));
    expect(await created.mock.calls[0]![0].text()).toBe("origin,n\r\nORD,1\r\n");
    await userEvent.click(screen.getByTestId("query-download-parquet"));
    await waitFor(() => expect(created).toHaveBeenCalledTimes(2));
    expect(accepts).toEqual(["application/json", "text/csv", "application/vnd.apache.parquet"]);
    expect(bodies[1]).toEqual({ sql: ordSql, versions: { flights: 3 }, limit: 10000 });
    expect(clicked).toHaveBeenCalledTimes(2);
    clicked.mockRestore();
  });

  it("draws a chart from the aggregate endpoint", async () => {
    const { api } = stack(() => answer([]));
    const aggregate = vi.fn(() => ({ columns: [{ name: "origin", type: "VARCHAR" }, { name: "measure", type: "DOUBLE" }], rows: [["ORD", 12.5], ["ATL", 7.25]] }));
    const calls = api.calls;
    const fake = globalThis.fetch as unknown as (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input) === "/api/datasets/flights/aggregate") {
        calls.push({ method: "POST", url: new URL(String(input), "http://localhost"), body: init?.body as string });
        return new Response(JSON.stringify(aggregate()), { status: 200 });
      }
      return fake(input, init);
    });
    renderPage(<QueryPage />, { path: "/query", route: "/query", role: "analyst" });
    const builder = await screen.findByTestId("chart-builder");
    await userEvent.selectOptions(within(builder).getByTestId("chart-group"), "origin");
    await userEvent.selectOptions(within(builder).getByTestId("chart-measure"), "avg");
    await userEvent.selectOptions(within(builder).getByTestId("chart-measure-column"), "delay");
    await userEvent.click(within(builder).getByTestId("chart-run"));
    const chart = await screen.findByTestId("chart");
    const sent = JSON.parse(calls.find((c) => c.url.pathname.endsWith("/aggregate"))!.body!);
    expect(sent).toEqual({ groupBy: ["origin"], metrics: [{ fn: "avg", column: "delay", as: "measure" }], orderBy: [{ by: "measure", desc: true }], limit: 50 });
    const option = JSON.parse(chart.textContent!);
    expect(option.xAxis.data).toEqual(["ORD", "ATL"]);
    expect(option.series[0]).toMatchObject({ type: "bar", data: [12.5, 7.25] });
  });

  it("shows the aggregate's field errors", async () => {
    stack(() => answer([]));
    const fake = globalThis.fetch as unknown as (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) =>
      String(input).endsWith("/aggregate") ? problem(400, "One or more validation errors occurred.", undefined, [{ name: "metrics[0].column", reason: "column 'origin' is VARCHAR, not a number" }]) : fake(input, init),
    );
    renderPage(<QueryPage />, { path: "/query", route: "/query", role: "analyst" });
    await userEvent.click(await screen.findByTestId("chart-run"));
    expect((await screen.findByTestId("error")).textContent).toContain("metrics[0].column: column 'origin' is VARCHAR");
  });
});

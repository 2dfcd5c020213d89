import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { RejectSummary } from "../../api/types";
import { fakeApi, renderPage } from "../../test/render";
import RejectsPage from "./RejectsPage";

// ECharts needs a real layout engine; the chart's presence and label are what this page decides.
vi.mock("../../charts/EChart", () => ({
  EChart: ({ testId, label }: { testId?: string; label: string }) => <div data-testid={testId} aria-label={label} />,
}));

const runId = "3f1c2a9e-5b7d-4c1e-9a0b-1d2e3f4a5b6c";
const summary: RejectSummary = {
  runId,
  pipeline: "airports",
  dataset: "airports",
  specVersion: 3,
  total: 45,
  parseFailures: 1,
  rules: [
    {
      rule: "iata.pattern",
      column: "iata",
      check: "pattern",
      definition: "^[A-Z0-9]{3}$",
      description: null,
      count: 42,
      message: "iata '11IS' does not match pattern ^[A-Z0-9]{3}$",
      topValues: [
        { value: "11IS", count: 3 },
        { value: "2IS3", count: 2 },
      ],
    },
    { rule: "unique_key", column: null, check: "unique_key", definition: "[iata]", count: 2, message: "iata 'BOS' is not unique", topValues: [{ value: "BOS", count: 2 }] },
    { rule: "parse", column: null, check: "parse", definition: null, count: 1, message: "line 17: expected 7 columns, found 9", topValues: [] },
  ],
};
const rows = {
  items: [
    { id: 101, line: 12, rules: ["iata.pattern"], message: "iata '11IS' does not match pattern ^[A-Z0-9]{3}$", values: { iata: "11IS", name: "Slagle", city: "Lewistown", state: null, latitude: 47.05 }, rawText: null, createdAt: "2026-12-05T20:00:00Z" },
    { id: 102, line: 13, rules: ["iata.pattern"], message: "iata '2IS3' does not match pattern ^[A-Z0-9]{3}$", values: { iata: "2IS3", name: "Plains", city: "Bozeman", state: "MT", latitude: 45.1 }, rawText: null, createdAt: "2026-12-05T20:00:00Z" },
  ],
  nextAfterId: 102,
};
const parseRows = { items: [{ id: 140, line: 17, rules: ["parse"], message: "expected 7 columns, found 9", values: null, rawText: '"X1Z","Broken, "quoted" name",,,', createdAt: "2026-12-05T20:00:00Z" }], nextAfterId: null };
const spec = `# US airports by IATA code
name: airports
contract:
  columns:
    iata:      { type: varchar, required: true, pattern: '^[A-Z0-9]{3}$', description: IATA airport code }
target:
  dataset: airports
`;

function routes(extra: Record<string, unknown> = {}) {
  return fakeApi({
    [`GET /api/runs/${runId}/rejects/summary`]: summary,
    [`GET /api/runs/${runId}/rejects`]: (url: URL) =>
      url.searchParams.get("rule") === "parse" ? parseRows : url.searchParams.get("afterId") === "102" ? { items: [{ ...rows.items[0], id: 103, line: 30, values: { iata: "3XYZ" } }], nextAfterId: null } : rows,
    ...extra,
  });
}

function show(role = "engineer") {
  return renderPage(<RejectsPage />, { path: `/runs/${runId}/rejects`, route: "/runs/:id/rejects", role });
}

describe("RejectsPage", () => {
  it("groups the rejects by rule with counts, messages, top values, rows and raw text", async () => {
    routes();
    show();
    const blocks = await screen.findAllByTestId("reject-rule");
    expect(blocks.map((b) => b.dataset.rule)).toEqual(["iata.pattern", "unique_key", "parse"]);
    const iata = blocks[0]!;
    expect(within(iata).getByTestId("reject-rule-count").textContent).toBe("42");
    expect(within(iata).getByTestId("reject-rule-message").textContent).toContain("11IS");
    expect(within(iata).getAllByTestId("top-value").map((v) => v.textContent)).toEqual(["11IS × 3", "2IS3 × 2"]);
    expect(within(iata).getByTestId("reject-histogram").getAttribute("aria-label")).toContain("iata.pattern");
    // The first rule's rows are open, every value a column.
    const samples = await within(iata).findAllByTestId("reject-sample");
    expect(samples).toHaveLength(2);
    expect(samples[0]!.textContent).toContain("Lewistown");
    expect(samples[0]!.textContent).toContain("47.05");
    expect(within(within(iata).getByTestId("reject-samples")).getAllByRole("columnheader").map((h) => h.textContent)).toEqual([
      "Line", "iata", "name", "city", "state", "latitude", "Rules broken", "Message",
    ]);
    // Only one rule's rows are open at a time.
    expect(screen.getAllByTestId("reject-samples")).toHaveLength(1);
    expect((await screen.findByTestId("reject-raw")).textContent).toBe('"X1Z","Broken, "quoted" name",,,');
  });

  it("pages through a rule's rows", async () => {
    const api = routes();
    show();
    await screen.findAllByTestId("reject-sample");
    await userEvent.click(screen.getByTestId("reject-samples-next"));
    await waitFor(() => expect(screen.getAllByTestId("reject-sample")).toHaveLength(1));
    expect(screen.getByTestId("reject-sample").textContent).toContain("3XYZ");
    expect(api.calls.some((c) => c.url.searchParams.get("rule") === "iata.pattern" && c.url.searchParams.get("afterId") === "102")).toBe(true);
    await userEvent.click(screen.getByTestId("reject-samples-prev"));
    await waitFor(() => expect(screen.getAllByTestId("reject-sample")).toHaveLength(2));
  });

  it("says so when the run rejected nothing", async () => {
    fakeApi({ [`GET /api/runs/${runId}/rejects/summary`]: { ...summary, total: 0, parseFailures: 0, rules: [] } });
    show();
    expect((await screen.findByTestId("empty")).textContent).toContain("rejected no rows");
  });

  it("shows the error when the summary fails", async () => {
    fakeApi({ [`GET /api/runs/${runId}/rejects/summary`]: () => new Response(JSON.stringify({ title: "Not Found", errors: [{ name: "id", reason: "No run with this id in your workspace." }] }), { status: 404 }) });
    show();
    expect((await screen.findByTestId("error")).textContent).toContain("No run with this id");
  });

  it("offers an analyst no replay and no apply", async () => {
    routes({ [`POST /api/runs/${runId}/rejects/what-if`]: { rule: "iata.pattern", definition: "^[A-Z0-9]{3,4}$", evaluated: 42, wouldPass: 37, stillFailing: 5 } });
    show("analyst");
    await screen.findAllByTestId("reject-rule");
    expect(screen.queryByTestId("rejects-replay")).toBeNull();
    await userEvent.click(screen.getByTestId("whatif-run"));
    await screen.findByTestId("whatif-result");
    expect(screen.queryByTestId("whatif-apply")).toBeNull();
  });

  it("dry-runs a changed rule and says how many would now pass", async () => {
    const api = routes({
      [`POST /api/runs/${runId}/rejects/what-if`]: {
        rule: "iata.pattern",
        definition: "^[A-Z0-9]{3,4}$",
        evaluated: 42,
        wouldPass: 37,
        stillFailing: 5,
        stillFailingByRule: [{ rule: "iata.pattern", count: 3 }, { rule: "unique_key", count: 2 }],
        samples: [{ iata: "X", name: "Too short" }],
        capped: false,
        notes: [],
      },
    });
    show();
    const definition = (await screen.findByTestId("whatif-definition")) as HTMLInputElement;
    expect((screen.getByTestId("whatif-rule") as HTMLSelectElement).value).toBe("iata.pattern");
    expect(within(screen.getByTestId("whatif-rule")).getAllByRole("option").map((o) => (o as HTMLOptionElement).value)).toEqual(["iata.pattern", "unique_key"]);
    expect(definition.value).toBe("^[A-Z0-9]{3}$");
    await userEvent.clear(definition);
    await userEvent.type(definition, "^[[A-Z0-9]{{3,4}$");
    await userEvent.click(screen.getByTestId("whatif-run"));
    expect((await screen.findByTestId("whatif-result")).textContent).toBe("37 of 42 would now pass");
    const post = api.calls.find((c) => c.method === "POST")!;
    expect(JSON.parse(post.body!)).toEqual({ rule: "iata.pattern", definition: "^[A-Z0-9]{3,4}$" });
    expect(screen.getByTestId("whatif-still-failing").textContent).toContain("unique_key: 2");
    expect(screen.getByTestId("whatif-sample").textContent).toContain("Too short");

    // Choosing another rule starts from that rule's definition.
    await userEvent.selectOptions(screen.getByTestId("whatif-rule"), "unique_key");
    expect((screen.getByTestId("whatif-definition") as HTMLInputElement).value).toBe("[iata]");
    expect(screen.queryByTestId("whatif-result")).toBeNull();
  });

  it("shows the Api's problem for a definition it refuses", async () => {
    routes({
      [`POST /api/runs/${runId}/rejects/what-if`]: () =>
        new Response(JSON.stringify({ status: 400, title: "One or more validation errors occurred.", errors: [{ name: "definition", reason: "is not a valid regular expression: missing )" }] }), { status: 400 }),
    });
    show();
    await userEvent.clear(await screen.findByTestId("whatif-definition"));
    await userEvent.type(screen.getByTestId("whatif-definition"), "^(A");
    await userEvent.click(screen.getByTestId("whatif-run"));
    expect((await screen.findByTestId("whatif-error")).textContent).toContain("definition: is not a valid regular expression: missing )");
  });

  it("applies a good what-if to the pipeline, keeping its comments, then replays", async () => {
    let saved: string | undefined;
    let contentType: string | null = null;
    const api = routes({
      [`POST /api/runs/${runId}/rejects/what-if`]: { rule: "iata.pattern", definition: "^[A-Z0-9]{3,4}$", evaluated: 42, wouldPass: 42, stillFailing: 0 },
      "GET /api/pipelines/airports": { name: "airports", version: 4, dataset: "airports", enabled: true, format: "yaml", spec: { name: "airports" }, createdAt: "", updatedAt: "" },
      "GET /api/pipelines/airports/versions": { items: [{ version: 4, createdAt: "2026-12-05T19:00:00Z", spec }, { version: 3, createdAt: "2026-12-01T19:00:00Z", spec: "old" }] },
      "PUT /api/pipelines/airports": (_: URL, init?: RequestInit) => {
        saved = String(init?.body);
        contentType = new Headers(init?.headers).get("Content-Type");
        return { name: "airports", version: 5, dataset: "airports", enabled: true, format: "yaml", spec: {}, createdAt: "", updatedAt: "" };
      },
      [`POST /api/runs/${runId}/replay`]: { id: "new-run", status: "queued" },
    });
    show();
    await userEvent.clear(await screen.findByTestId("whatif-definition"));
    await userEvent.type(screen.getByTestId("whatif-definition"), "^[[A-Z0-9]{{3,4}$");
    await userEvent.click(screen.getByTestId("whatif-run"));
    await userEvent.click(await screen.findByTestId("whatif-apply"));
    const preview = await screen.findByTestId("whatif-apply-preview");
    expect(preview.textContent).toContain("pattern: '^[A-Z0-9]{3,4}$'");
    expect(preview.textContent).toContain("this run used version 3");
    await userEvent.click(screen.getByTestId("whatif-apply-save"));
    expect((await screen.findByTestId("whatif-applied")).textContent).toContain("version 5");
    expect(saved).toBe(spec.replace("{3}", "{3,4}"));
    expect(contentType).toBe("application/yaml");
    await userEvent.click(screen.getByTestId("whatif-applied-replay"));
    await waitFor(() => expect(api.calls.some((c) => c.method === "POST" && c.url.pathname === `/api/runs/${runId}/replay`)).toBe(true));
  });

  it("lists the spec's validation errors when the save is refused", async () => {
    routes({
      [`POST /api/runs/${runId}/rejects/what-if`]: { rule: "iata.pattern", definition: "^[A-Z0-9]{3,4}$", evaluated: 42, wouldPass: 40, stillFailing: 2 },
      "GET /api/pipelines/airports": { name: "airports", version: 3, dataset: "airports", enabled: true, format: "yaml", spec, createdAt: "", updatedAt: "" },
      "PUT /api/pipelines/airports": () =>
        new Response(JSON.stringify({ status: 400, title: "One or more validation errors occurred.", errors: [{ name: "contract.columns.iata.pattern", reason: "is not a valid regular expression" }] }), { status: 400 }),
    });
    show();
    await userEvent.click(await screen.findByTestId("whatif-run"));
    await userEvent.click(await screen.findByTestId("whatif-apply"));
    // The edit uses the definition the what-if answered with (the pipeline's spec came as text).
    expect((await screen.findByTestId("whatif-apply-preview")).textContent).toContain("{3,4}");
    await userEvent.click(screen.getByTestId("whatif-apply-save"));
    const errors = await screen.findAllByTestId("pipeline-validation-error");
    expect(errors.map((e) => e.textContent)).toEqual(["contract.columns.iata.pattern: is not a valid regular expression"]);
    expect(screen.queryByTestId("whatif-applied")).toBeNull();
  });

  it("replays the run's rejects", async () => {
    const api = routes({ [`POST /api/runs/${runId}/replay`]: { id: "new-run", status: "queued" } });
    show();
    await userEvent.click(await screen.findByTestId("rejects-replay"));
    await waitFor(() => expect(api.calls.some((c) => c.method === "POST" && c.url.pathname.endsWith("/replay"))).toBe(true));
  });
});

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, renderPage } from "../../test/render";
import AdminPage from "./AdminPage";

const keys = {
  items: [
    { id: "11111111-0000-4000-8000-000000000001", clientId: "admin", name: "bootstrap admin", description: null, roles: ["admin"], rateLimit: null, createdAt: "2026-12-01T10:00:00Z", createdBy: "apphost", revokedAt: null, lastUsedAt: "2026-12-05T20:59:00Z", grants: [] },
    { id: "11111111-0000-4000-8000-000000000002", clientId: "k_7f3a9c", name: "nightly loader", description: "cron box", roles: ["engineer"], rateLimit: 600, createdAt: "2026-12-02T10:00:00Z", createdBy: "admin", revokedAt: null, lastUsedAt: null, grants: ["pii:read"] },
    { id: "11111111-0000-4000-8000-000000000003", clientId: "k_old", name: "old dashboard", description: null, roles: ["analyst"], rateLimit: null, createdAt: "2026-11-02T10:00:00Z", createdBy: "admin", revokedAt: "2026-11-20T10:00:00Z", lastUsedAt: "2026-11-19T10:00:00Z", grants: [] },
  ],
};
const workspaces = { items: [{ id: "00000000-0000-0000-0000-000000000001", name: "default", createdAt: "2026-12-01T10:00:00Z" }, { id: "22222222-0000-4000-8000-000000000001", name: "acme", createdAt: "2026-12-03T10:00:00Z" }] };
const audit = {
  items: [
    { id: 9, actor: "admin", action: "key.revoked", target: "k_old", details: {}, at: "2026-11-20T10:00:00Z" },
    { id: 8, actor: "admin", action: "workspace.created", target: "acme", details: { adminClientId: "k_acme" }, at: "2026-11-10T10:00:00Z" },
  ],
  nextBefore: 8,
};

function show(role = "admin") {
  return renderPage(<AdminPage />, { path: "/admin", route: "/admin", role });
}

describe("AdminPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("lists keys, workspaces and the audit log", async () => {
    fakeApi({ "GET /api/keys": keys, "GET /api/workspaces": workspaces, "GET /api/audit": audit });
    show();
    const rows = await screen.findAllByTestId("key-row");
    expect(rows.map((r) => r.dataset.clientId)).toEqual(["admin", "k_7f3a9c", "k_old"]);
    expect(rows[1]!.textContent).toContain("engineer");
    expect(rows[1]!.textContent).toContain("never");
    expect(rows[2]!.dataset.revoked).toBe("true");
    // A revoked key cannot be revoked again.
    expect(within(rows[2]!).queryByTestId("key-revoke")).toBeNull();
    expect(screen.getAllByTestId("key-revoke")).toHaveLength(2);
    expect(within(await screen.findByTestId("workspaces-table")).getAllByTestId("workspace-row").map((r) => r.dataset.workspace)).toEqual(["default", "acme"]);
    const entries = await screen.findAllByTestId("audit-row");
    expect(entries.map((e) => e.dataset.action)).toEqual(["key.revoked", "workspace.created"]);
    expect(entries[1]!.textContent).toContain("k_acme");
  });

  it("creates a key with a role and shows its secret once", async () => {
    let listed = 0;
    const api = fakeApi({
      "GET /api/keys": () => (listed++ === 0 ? keys : { items: [...keys.items, { ...keys.items[1]!, id: "new", clientId: "k_new", name: "grafana" }] }),
      "GET /api/workspaces": workspaces,
      "GET /api/audit": audit,
      "POST /api/keys": () =>
        new Response(JSON.stringify({ id: "new", clientId: "k_new", clientSecret: "s3cr3t-shown-once", name: "grafana", roles: ["analyst"], createdAt: "2026-12-05T21:00:00Z" }), { status: 201 }),
    });
    show();
    await screen.findAllByTestId("key-row");
    await userEvent.type(screen.getByTestId("key-name"), "grafana");
    await userEvent.selectOptions(screen.getByTestId("key-role"), "analyst");
    await userEvent.click(screen.getByTestId("key-submit"));
    expect((await screen.findByTestId("key-secret")).textContent).toBe("s3cr3t-shown-once");
    expect(screen.getByTestId("key-secret-client-id").textContent).toBe("k_new");
    expect(JSON.parse(api.calls.find((c) => c.method === "POST")!.body!)).toEqual({ name: "grafana", roles: ["analyst"] });
    await waitFor(() => expect(screen.getAllByTestId("key-row")).toHaveLength(4));
  });

  it("shows why a key was refused", async () => {
    fakeApi({
      "GET /api/keys": keys,
      "GET /api/workspaces": workspaces,
      "GET /api/audit": audit,
      "POST /api/keys": () => new Response(JSON.stringify({ status: 400, title: "One or more validation errors occurred.", errors: [{ name: "name", reason: "The length of 'Name' must be 200 characters or fewer." }] }), { status: 400 }),
    });
    show();
    await userEvent.type(await screen.findByTestId("key-name"), "x");
    await userEvent.click(screen.getByTestId("key-submit"));
    expect((await screen.findByTestId("key-create-error")).textContent).toContain("name: The length of 'Name' must be 200 characters or fewer.");
    expect(screen.queryByTestId("key-secret")).toBeNull();
  });

  it("revokes a key only once confirmed", async () => {
    const api = fakeApi({ "GET /api/keys": keys, "GET /api/workspaces": workspaces, "GET /api/audit": audit, [`DELETE /api/keys/${keys.items[1]!.id}`]: () => new Response(null, { status: 204 }) });
    const confirm = vi.fn(() => false);
    vi.stubGlobal("confirm", confirm);
    show();
    const revoke = (await screen.findAllByTestId("key-revoke"))[1]!;
    await userEvent.click(revoke);
    expect(confirm).toHaveBeenCalledWith(expect.stringContaining("nightly loader"));
    expect(api.calls.some((c) => c.method === "DELETE")).toBe(false);
    confirm.mockReturnValue(true);
    await userEvent.click(revoke);
    await waitFor(() => expect(api.calls.filter((c) => c.method === "DELETE").map((c) => c.url.pathname)).toEqual([`/api/keys/${keys.items[1]!.id}`]));
    // The list and the audit log are read again.
    await waitFor(() => expect(api.calls.filter((c) => c.url.pathname === "/api/audit").length).toBeGreaterThanOrEqual(2));
  });

  it("creates a workspace and shows its first admin key", async () => {
    const api = fakeApi({
      "GET /api/keys": keys,
      "GET /api/workspaces": workspaces,
      "GET /api/audit": audit,
      "POST /api/workspaces": { id: "33333333-0000-4000-8000-000000000001", name: "globex", createdAt: "2026-12-05T21:00:00Z", adminKey: { id: "x", clientId: "k_globex", clientSecret: "globex-secret" } },
    });
    show();
    await userEvent.type(await screen.findByTestId("workspace-name"), "globex");
    await userEvent.click(screen.getByTestId("workspace-submit"));
    expect((await screen.findByTestId("workspace-secret")).textContent).toBe("globex-secret");
    expect(JSON.parse(api.calls.find((c) => c.method === "POST")!.body!)).toEqual({ name: "globex" });
  });

  it("pages the audit log and filters it by action on the Api, archived rows marked", async () => {
    const all = [...audit.items, { id: 7, actor: "admin", action: "key.created", target: "k_7f3a9c", details: {}, at: "2025-11-02T10:00:00Z", archived: true }];
    const api = fakeApi({
      "GET /api/keys": keys,
      "GET /api/workspaces": workspaces,
      "GET /api/audit": (url: URL) => {
        const action = url.searchParams.get("action");
        const before = Number(url.searchParams.get("before") ?? Infinity);
        const matching = all.filter((e) => (!action || e.action === action) && e.id < before);
        return { items: matching.slice(0, 2), nextBefore: matching.length > 2 ? matching[1]!.id : null };
      },
    });
    show();
    await screen.findAllByTestId("audit-row");
    await userEvent.click(screen.getByTestId("audit-more"));
    await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(3));
    expect(screen.queryByTestId("audit-more")).toBeNull();
    expect(api.calls.some((c) => c.url.searchParams.get("before") === "8")).toBe(true);
    expect(screen.getAllByTestId("audit-row").map((r) => r.dataset.archived)).toEqual(["false", "false", "true"]);
    await userEvent.selectOptions(screen.getByTestId("audit-filter-action"), "key.created");
    await waitFor(() => expect(screen.getAllByTestId("audit-row").map((r) => r.textContent)).toEqual([expect.stringContaining("archived")]));
    expect(api.calls.some((c) => c.url.searchParams.get("action") === "key.created")).toBe(true);
    await userEvent.selectOptions(screen.getByTestId("audit-filter-action"), "workspace.created");
    await waitFor(() => expect(screen.getAllByTestId("audit-row").map((r) => r.dataset.action)).toEqual(["workspace.created"]));
  });

  it("grants and withdraws reading personal data unmasked, keeping a key's other grants", async () => {
    const api = fakeApi({
      "GET /api/keys": keys,
      "GET /api/workspaces": workspaces,
      "GET /api/audit": audit,
      [`PUT /api/keys/${keys.items[0]!.id}/grants`]: { ...keys.items[0], grants: ["pii:read"] },
      [`PUT /api/keys/${keys.items[1]!.id}/grants`]: { ...keys.items[1], grants: [] },
    });
    show();
    const boxes = (await screen.findAllByTestId("key-pii-read")) as HTMLInputElement[];
    expect(boxes.map((b) => b.checked)).toEqual([false, true, false]);
    // A revoked key's grants cannot change.
    expect(boxes[2]!.disabled).toBe(true);
    await userEvent.click(boxes[0]!);
    await userEvent.click(boxes[1]!);
    await waitFor(() => expect(api.calls.filter((c) => c.method === "PUT")).toHaveLength(2));
    const puts = api.calls.filter((c) => c.method === "PUT");
    expect(puts.map((c) => [c.url.pathname, JSON.parse(c.body!)])).toEqual([
      [`/api/keys/${keys.items[0]!.id}/grants`, { grants: ["pii:read"] }],
      [`/api/keys/${keys.items[1]!.id}/grants`, { grants: [] }],
    ]);
  });

  it("shows empty and error states", async () => {
    fakeApi({
      "GET /api/keys": keys,
      "GET /api/workspaces": () => new Response(JSON.stringify({ title: "Forbidden", status: 403 }), { status: 403 }),
      "GET /api/audit": { items: [], nextBefore: null },
    });
    show();
    expect((await screen.findByTestId("error")).textContent).toContain("Forbidden");
    expect((await screen.findByTestId("empty")).textContent).toContain("Nothing has been audited yet");
  });

  it("shows an engineer nothing to administer and asks the Api nothing", async () => {
    const api = fakeApi({});
    show("engineer");
    expect((await screen.findByTestId("admin-forbidden")).textContent).toContain("Only admins");
    expect(screen.queryByTestId("keys-table")).toBeNull();
    expect(screen.queryByTestId("key-create")).toBeNull();
    expect(api.calls).toHaveLength(0);
  });
});

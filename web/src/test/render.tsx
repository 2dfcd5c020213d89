// Renders a component the way the app does (router, query cache, a session of the given role),
// with fetch answered by the test's own handler instead of an Api.
import type { ReactElement } from "react";
import { render } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { vi } from "vitest";
import { StaticSessionProvider, type SessionInfo } from "../api/session";

export function sessionAs(role: string): SessionInfo {
  return { clientId: `${role}-client`, workspace: "default", workspaceId: "00000000-0000-0000-0000-000000000001", roles: [role], expiresAt: "2099-01-01T00:00:00Z", csrfToken: "csrf" };
}

/** fetch answered from a map of "METHOD /path" (path without query) to a JSON body or a Response. */
export function fakeApi(routes: Record<string, unknown | ((url: URL, init?: RequestInit) => Response | unknown)>) {
  const calls: { method: string; url: URL; body?: string }[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : String(input), "http://localhost");
    const method = (request?.method ?? init?.method ?? "GET").toUpperCase();
    const body = request ? await request.clone().text() : typeof init?.body === "string" ? init.body : undefined;
    calls.push({ method, url, body });
    const handler = routes[`${method} ${url.pathname}`];
    if (handler === undefined) {
      return new Response(JSON.stringify({ title: "Not Found", status: 404 }), { status: 404, headers: { "Content-Type": "application/problem+json" } });
    }
    const answer = typeof handler === "function" ? await (handler as (u: URL, i?: RequestInit) => unknown)(url, init) : handler;
    return answer instanceof Response ? answer : new Response(JSON.stringify(answer), { status: 200, headers: { "Content-Type": "application/json" } });
  });
  vi.stubGlobal("fetch", fetchMock);
  return { calls };
}

export function renderPage(ui: ReactElement, { path = "/", route = "/", role = "engineer" }: { path?: string; route?: string; role?: string | null } = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <StaticSessionProvider session={role ? sessionAs(role) : null}>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route path={route} element={ui} />
          </Routes>
        </MemoryRouter>
      </StaticSessionProvider>
    </QueryClientProvider>,
  );
}

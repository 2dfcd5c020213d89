import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { SessionProvider } from "../api/session";
import { fakeApi } from "../test/render";
import { render } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import LoginPage from "./LoginPage";

function renderLogin() {
  return render(
    <SessionProvider>
      <MemoryRouter initialEntries={["/login?next=/datasets"]}>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/datasets" element={<p data-testid="landed">datasets</p>} />
        </Routes>
      </MemoryRouter>
    </SessionProvider>,
  );
}

describe("LoginPage", () => {
  it("shows the Api's reason when the key is refused", async () => {
    fakeApi({
      "GET /auth/session": new Response(JSON.stringify({ title: "Unauthorized", status: 401 }), { status: 401 }),
      "POST /auth/session": () => new Response(JSON.stringify({ title: "Unauthorized", detail: "Client authentication failed.", status: 401 }), { status: 401 }),
    });
    renderLogin();
    await userEvent.type(await screen.findByTestId("login-client-id"), "nobody");
    await userEvent.type(screen.getByTestId("login-client-secret"), "wrong");
    await userEvent.click(screen.getByTestId("login-submit"));
    expect((await screen.findByTestId("login-error")).textContent).toContain("Client authentication failed.");
  });

  it("signs in once and goes where the user was headed", async () => {
    const api = fakeApi({
      "GET /auth/session": new Response("{}", { status: 401 }),
      "POST /auth/session": { clientId: "eng", workspace: "default", workspaceId: "w", roles: ["engineer"], expiresAt: "2099-01-01T00:00:00Z", csrfToken: "t" },
    });
    renderLogin();
    await userEvent.type(await screen.findByTestId("login-client-id"), "eng");
    await userEvent.type(screen.getByTestId("login-client-secret"), "s3cret");
    await userEvent.click(screen.getByTestId("login-submit"));
    await screen.findByTestId("landed");
    const post = api.calls.find((c) => c.method === "POST");
    expect(JSON.parse(post!.body!)).toEqual({ clientId: "eng", clientSecret: "s3cret" });
    await waitFor(() => expect(api.calls.filter((c) => c.method === "POST")).toHaveLength(1));
  });

  it("offers the external issuer's sign-in, back to where the user was headed, when the Api has one", async () => {
    fakeApi({
      "GET /auth/session": new Response("{}", { status: 401 }),
      "GET /auth/session/providers": { apiKey: false, oidc: { name: "Keycloak", loginUrl: "/auth/oidc/login" } },
    });
    renderLogin();
    const button = await screen.findByTestId("login-oidc");
    expect(button.textContent).toBe("Sign in with Keycloak");
    expect(button.getAttribute("href")).toBe("/auth/oidc/login?returnUrl=%2Fdatasets");
    // API keys do not sign in while an issuer is configured: no form for them.
    expect(screen.queryByTestId("login-client-id")).toBeNull();
  });

  it("shows only the key form when the Api has no issuer", async () => {
    const api = fakeApi({
      "GET /auth/session": new Response("{}", { status: 401 }),
      "GET /auth/session/providers": { apiKey: true, oidc: null },
    });
    renderLogin();
    await screen.findByTestId("login-client-id");
    await waitFor(() => expect(api.calls.some((c) => c.url.pathname === "/auth/session/providers")).toBe(true));
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.queryByTestId("login-oidc")).toBeNull();
    expect(screen.getByTestId("login-client-secret")).toBeTruthy();
  });
});

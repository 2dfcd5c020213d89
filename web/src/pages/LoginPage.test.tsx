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
});

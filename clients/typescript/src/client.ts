// A typed Ductus client: `schema.d.ts` is generated from the Api's OpenAPI document
// (npm run generate, see README.md), so a request or response that does not match the
// running Api fails to compile instead of failing at run time.
import createClient from "openapi-fetch";
import type { paths } from "./schema.js";

export type DuctusClient = ReturnType<typeof createClient<paths>>;

/** Exchanges a client id and secret for a bearer token (OAuth2 client credentials). */
export async function getToken(baseUrl: string, clientId: string, clientSecret: string): Promise<string> {
  const anonymous = createClient<paths>({ baseUrl });
  const { data, error, response } = await anonymous.POST("/auth/token", {
    body: { grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret },
    // The token endpoint takes a form, as OAuth2 requires; openapi-fetch sends JSON unless told.
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  if (!data) {
    throw new Error(`POST /auth/token answered ${response.status}: ${JSON.stringify(error)}`);
  }
  return data.access_token;
}

/** A client that sends the bearer token with every request. */
export function connect(baseUrl: string, token: string): DuctusClient {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
}

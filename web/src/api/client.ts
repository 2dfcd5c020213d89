// The one way the UI talks to the Api: the generated, typed client (clients/typescript) over the
// same origin, authenticated by the session cookie. Unsafe methods carry the session's CSRF
// token, which the Api requires of cookie-authenticated writes.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "../../../clients/typescript/src/schema";

export type { paths };

const unsafe = new Set(["POST", "PUT", "PATCH", "DELETE"]);

let csrfToken: string | undefined;
let onUnauthorized: (() => void) | undefined;

/** Set by the session provider after sign-in (and cleared on sign-out). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when any request answers 401 (the session expired or was revoked). */
export function setUnauthorizedHandler(handler: (() => void) | undefined): void {
  onUnauthorized = handler;
}

export const csrfHeader = "X-CSRF-Token";

const session: Middleware = {
  onRequest({ request }) {
    if (csrfToken && unsafe.has(request.method)) {
      request.headers.set(csrfHeader, csrfToken);
    }
    return request;
  },
  onResponse({ response, request }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith("/auth/")) {
      onUnauthorized?.();
    }
    return response;
  },
};

// fetch is looked up per call (not captured once) so component tests can answer it.
export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: "same-origin", fetch: (request) => globalThis.fetch(request) });
api.use(session);

/** An RFC 7807 problem as the Api answers it (FastEndpoints adds field errors). */
export interface Problem {
  title?: string;
  detail?: string;
  status?: number;
  errors?: Record<string, string[]> | { name: string; reason: string }[];
}

/** One readable line for an error answer, naming the fields when the Api named them. */
export function describeProblem(problem: unknown, status?: number): string {
  if (problem && typeof problem === "object") {
    const p = problem as Problem & { message?: string };
    const parts = [p.title, p.detail ?? p.message].filter(Boolean) as string[];
    if (Array.isArray(p.errors)) {
      parts.push(...p.errors.map((e) => `${e.name}: ${e.reason}`));
    } else if (p.errors) {
      parts.push(...Object.entries(p.errors).map(([field, reasons]) => `${field}: ${reasons.join("; ")}`));
    }
    if (parts.length > 0) {
      return [...new Set(parts)].join(" — ");
    }
  }
  return status ? `The Api answered ${status}.` : "The request failed.";
}

/** Unwraps an openapi-fetch result: the data, or an Error carrying the problem's text. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || data === undefined) {
    throw new ApiError(describeProblem(error, response.status), response.status, error);
  }
  return data;
}

export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly problem: unknown) {
    super(message);
    this.name = "ApiError";
  }
}

/**
 * A raw same-origin call for what the generated client does not model (downloads, SSE URLs,
 * endpoints newer than the committed schema): same cookie, same CSRF header, same errors.
 */
export async function apiFetch<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  const method = (init.method ?? "GET").toUpperCase();
  if (csrfToken && unsafe.has(method)) {
    headers.set(csrfHeader, csrfToken);
  }
  if (init.body && typeof init.body === "string" && !headers.has("Content-Type")) {
    headers.set("Content-Type", "application/json");
  }
  const response = await fetch(path, { ...init, headers, credentials: "same-origin" });
  if (response.status === 401 && !path.startsWith("/auth/")) {
    onUnauthorized?.();
  }
  const text = await response.text();
  const body: unknown = text ? safeJson(text) : undefined;
  if (!response.ok) {
    throw new ApiError(describeProblem(body, response.status), response.status, body);
  }
  return body as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

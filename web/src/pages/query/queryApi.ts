// POST /api/query as the console needs it: the JSON result with the versions it read
// (X-Ductus-Versions), downloads in the Api's other formats, and the share link's format.
import { api, describeProblem, ApiError } from "../../api/client";
import type { QueryResult } from "../../api/types";

export type Versions = Record<string, number>;

export interface QueryRequest {
  sql: string;
  versions?: Versions;
  limit?: number;
}

export interface QueryAnswer {
  result: QueryResult;
  /** Which snapshot of each dataset the result read. */
  versions: Versions;
  cache: string | null;
  milliseconds: number;
}

// The shared client keeps the fetch it was created with; calling the current global one lets a
// test (or a service worker) stand in for the network.
const currentFetch = (request: Request) => globalThis.fetch(request);

export const formats = {
  csv: { accept: "text/csv", extension: "csv" },
  parquet: { accept: "application/vnd.apache.parquet", extension: "parquet" },
} as const;

export type DownloadFormat = keyof typeof formats;

function body(request: QueryRequest) {
  const versions = request.versions && Object.keys(request.versions).length > 0 ? request.versions : undefined;
  return { sql: request.sql, versions, limit: request.limit };
}

export async function runQuery(request: QueryRequest, signal?: AbortSignal): Promise<QueryAnswer> {
  const started = performance.now();
  const { data, error, response } = await api.POST("/api/query", { body: body(request), signal, fetch: currentFetch, headers: { Accept: "application/json" } });
  if (!response.ok || data === undefined) {
    throw new ApiError(describeProblem(error, response.status), response.status, error);
  }
  return {
    result: data as QueryResult,
    versions: parseVersions(response.headers.get("X-Ductus-Versions")),
    cache: response.headers.get("X-Ductus-Cache"),
    milliseconds: Math.round(performance.now() - started),
  };
}

/** The same statement and versions in another format, as a file. */
export async function downloadQuery(request: QueryRequest, format: DownloadFormat, signal?: AbortSignal): Promise<Blob> {
  const { data, error, response } = await api.POST("/api/query", { body: body(request), signal, fetch: currentFetch, headers: { Accept: formats[format].accept }, parseAs: "blob" });
  if (!response.ok || data === undefined) {
    throw new ApiError(describeProblem(error, response.status), response.status, error);
  }
  return data as Blob;
}

export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The click has handed the blob to the browser's download; the URL can go after this task.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** "flights=3,airports=1" (the Api's header) or "flights:3,airports:1" (a share link). */
export function parseVersions(text: string | null | undefined): Versions {
  const versions: Versions = {};
  for (const part of (text ?? "").split(",")) {
    const [name, version] = part.split(/[=:]/).map((s) => s.trim());
    if (name && version && /^\d+$/.test(version)) {
      versions[name] = Number(version);
    }
  }
  return versions;
}

/** /query?sql=…&pin=flights:3,airports:2 — opened later it reruns on exactly these snapshots. */
export function shareLink(sql: string, versions: Versions, origin = window.location.origin): string {
  const pins = Object.entries(versions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, version]) => `${encodeURIComponent(name)}:${version}`)
    .join(",");
  return `${origin}/query?sql=${encodeURIComponent(sql)}${pins ? `&pin=${pins}` : ""}`;
}

/** The known datasets a statement names (word match: the Api's guard has the final say). */
export function datasetsIn(sql: string, known: readonly string[]): string[] {
  const words = new Set(sql.toLowerCase().match(/[a-z_][a-z0-9_-]*/g) ?? []);
  return known.filter((name) => words.has(name.toLowerCase()));
}

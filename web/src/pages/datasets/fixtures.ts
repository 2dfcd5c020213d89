// Realistic Api answers for the datasets, query and pipelines page tests.
import type { Dataset, DatasetDiff, QueryResult, Snapshot } from "../../api/types";

export const flights: Dataset = {
  name: "flights",
  description: "US domestic flights, first half of 2001",
  owner: "ops-team",
  tags: ["aviation", "daily"],
  columns: [
    { name: "departed_at", type: "TIMESTAMP", description: "scheduled departure (local time)", required: true },
    { name: "delay", type: "INTEGER", description: "arrival delay in minutes; negative is early", required: false },
    { name: "origin", type: "VARCHAR", description: "IATA code of the departure airport", required: true },
    { name: "_ductus_run_id", type: "UUID", description: null, required: true },
  ],
  rowCount: 2999986,
  bytes: 18_400_000,
  currentVersion: 3,
  lastLoadedAt: "2026-12-05T20:00:12Z",
  schedule: "0 0 * * * ?",
  freshness: { status: "fresh", dueBy: "2026-12-05T21:10:00Z", level: "none", sla: null },
  pipeline: "flights",
  createdAt: "2026-12-01T10:00:00Z",
  updatedAt: "2026-12-05T20:00:12Z",
};

export const airports: Dataset = {
  ...flights,
  name: "airports",
  description: "Airports by IATA code",
  owner: "ana@example.com",
  tags: ["reference"],
  columns: [
    { name: "iata", type: "VARCHAR", description: "IATA code", required: true },
    { name: "name", type: "VARCHAR", description: null, required: true },
  ],
  rowCount: 3376,
  currentVersion: 2,
  freshness: { status: "stale", dueBy: "2026-12-05T08:00:00Z", level: "none", sla: null },
  pipeline: "airports",
};

export const snapshots: Snapshot[] = [
  { version: 3, parent: 2, runId: "7d0c3c1e-1111-4c3b-9a55-3f2f3f1e0003", operation: "replace", rowCount: 2999986, fileCount: 4, bytes: 18_400_000, createdAt: "2026-12-05T20:00:12Z", schemaChanges: { added: [], widened: [] } },
  { version: 2, parent: 1, runId: "7d0c3c1e-1111-4c3b-9a55-3f2f3f1e0002", operation: "append", rowCount: 2999000, fileCount: 3, bytes: 18_300_000, createdAt: "2026-12-05T19:00:10Z", schemaChanges: { added: [{ name: "tail_number", type: "VARCHAR" }], widened: [{ name: "delay", from: "INTEGER", to: "BIGINT" }] } },
  { version: 1, parent: null, runId: null, operation: "append", rowCount: 1500000, fileCount: 2, bytes: 9_100_000, createdAt: "2026-12-05T17:00:05Z", schemaChanges: { added: [], widened: [] } },
];

export const preview: QueryResult = {
  columns: [
    { name: "departed_at", type: "TIMESTAMP" },
    { name: "delay", type: "INTEGER" },
    { name: "origin", type: "VARCHAR" },
  ],
  rows: [
    ["2001-01-01T08:00:00", 14, "ORD"],
    ["2001-01-01T09:30:00", null, "ATL"],
  ],
  truncated: true,
};

export const diff: DatasetDiff = {
  dataset: "flights",
  from: { version: 2, rows: 2999000, committedAt: "2026-12-05T19:00:10Z", operation: "append" },
  to: { version: 3, rows: 2999986, committedAt: "2026-12-05T20:00:12Z", operation: "replace" },
  rowsAdded: 1200,
  rowsRemoved: 214,
  schema: { added: [{ name: "distance", type: "INTEGER" }], removed: [], changed: [{ name: "delay", from: "SMALLINT", to: "INTEGER" }] },
  columns: [
    { name: "delay", type: "INTEGER", from: { min: -60, max: 1400, nulls: 12 }, to: { min: -75, max: 1400, nulls: 9 } },
    { name: "origin", type: "VARCHAR", from: { min: "ABE", max: "YUM", nulls: 0 }, to: { min: "ABE", max: "YUM", nulls: 0 } },
  ],
};

export function problem(status: number, title: string, detail?: string, errors?: { name: string; reason: string }[]): Response {
  return new Response(JSON.stringify({ status, title, detail, errors }), { status, headers: { "Content-Type": "application/problem+json" } });
}

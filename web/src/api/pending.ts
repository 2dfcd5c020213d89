import type { components } from "../../../clients/typescript/src/schema";

// Types of Api endpoints newer than the committed schema.d.ts, called with `apiFetch`. Each
// block belongs to the page slice that uses it; the integrator replaces them with generated types.

// ---- runs, rejects, what-if, admin (web-ui slice) ----

/** One event of GET /api/runs/events or GET /api/runs/{id}/events (`step` events, and `run` events carrying the run). */
export interface RunEvent {
  runId?: string;
  id?: string;
  type?: "status" | "step";
  pipeline?: string;
  step?: string;
  state?: "started" | "finished" | "failed" | string;
  rows?: number;
  milliseconds?: number;
  status?: string;
}

export type RuleCheck =
  | "pattern" | "required" | "type" | "min" | "max" | "accepted_values" | "max_length" | "unique" | "sql" | "unique_key" | "parse";

export interface RejectRuleSummary {
  rule: string;
  column?: string | null;
  check?: RuleCheck | string | null;
  definition?: string | null;
  description?: string | null;
  count: number;
  message?: string | null;
  topValues?: { value: unknown; count: number }[];
}

/** GET /api/runs/{id}/rejects/summary */
export interface RejectSummary {
  runId: string;
  pipeline: string;
  dataset?: string;
  specVersion?: number | null;
  total: number;
  parseFailures?: number;
  rules: RejectRuleSummary[];
}

/** POST /api/runs/{id}/rejects/what-if */
export interface WhatIfRequest {
  rule: string;
  definition: string;
}

export interface WhatIfResult {
  rule: string;
  definition: string;
  evaluated: number;
  wouldPass: number;
  stillFailing: number;
  stillFailingByRule?: { rule: string; count: number }[];
  samples?: unknown[];
  capped?: boolean;
  notes?: string[];
}

/** GET /api/pipelines/{name}/versions */
export interface PipelineVersions {
  items: { version: number; createdAt: string; createdBy?: string | null; spec: string }[];
}

// ---- end web-ui slice ----

// --- datasets, query console, pipelines (web-ui-data) ---

type Schemas = components["schemas"];
export type Dataset = Schemas["DuctusApiFeaturesDatasetsDataset"] & { freshness?: DatasetFreshness | null };
export type DatasetColumn = Schemas["DuctusApiFeaturesDatasetsColumn"];
export type Snapshot = Schemas["DuctusApiFeaturesDatasetsSnapshotsSnapshot"];
export type Pipeline = Schemas["DuctusApiFeaturesPipelinesPipeline"] & { nextFireAt?: string | null };
export type Run = Schemas["DuctusApiFeaturesRunsRun"];
export type AggregateRequest = Schemas["DuctusApiFeaturesDatasetsAggregateRequest"];

/** Freshness as the list answers it: the documented fields plus the ones issue 19 adds. */
export interface DatasetFreshness {
  status: string;
  dueBy?: string | null;
  expectedBy?: string | null;
  lastCommitAt?: string | null;
  pipeline?: string | null;
  schedule?: string | null;
}

/** The JSON result of /api/query, /aggregate and /preview. */
export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  truncated?: boolean;
}

export interface SnapshotSide {
  version: number;
  rows?: number | null;
  committedAt?: string | null;
  operation?: string | null;
}

export interface ColumnStats {
  min?: unknown;
  max?: unknown;
  nulls?: number | null;
}

/** GET /api/datasets/{name}/diff?from=&to= */
export interface DatasetDiff {
  dataset: string;
  from: SnapshotSide;
  to: SnapshotSide;
  rowsAdded: number;
  rowsRemoved: number;
  schema?: {
    added?: { name: string; type: string }[];
    removed?: { name: string; type: string }[];
    changed?: { name: string; from: string; to: string }[];
  } | null;
  columns?: { name: string; type?: string | null; from?: ColumnStats | null; to?: ColumnStats | null }[] | null;
}

// --- end web-ui-data ---

// --- lineage (models-web): generated now, under the short names the lineage view uses ---

/** GET /api/lineage?dataset=&direction=up|down|both&depth=; edges point the way data flows. */
export type Lineage = Schemas["DuctusApiFeaturesLineageLineageView"];
/** `dataset:NAME`, `pipeline:NAME`, `model:NAME` or `source:PIPELINE` (a source's `name` is where it reads). */
export type LineageNode = Schemas["DuctusApiFeaturesLineageLineageNode"];

// --- end models-web ---

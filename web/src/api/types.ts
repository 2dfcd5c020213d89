import type { components } from "../../../clients/typescript/src/schema";

// The Api's types under the short names the pages use: aliases of the generated schema
// (clients/typescript/src/schema.d.ts, scripts/generate-client.sh) wherever the OpenAPI document
// describes the shape. Declared here by hand only what it cannot: server-sent events (not in the
// document), a request body FastEndpoints binds from route and body together, and the query
// result, whose rows are whatever the SQL selected.

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

type Schemas = components["schemas"];

export type RuleCheck =
  | "pattern" | "required" | "type" | "min" | "max" | "accepted_values" | "max_length" | "unique" | "sql" | "unique_key" | "parse";

/** GET /api/runs/{id}/rejects/summary, one group per rule. */
export type RejectRuleSummary = Schemas["DuctusApiFeaturesRunsRejectSummaryRuleGroup"];
export type RejectSummary = Schemas["DuctusApiFeaturesRunsRejectSummaryResponse"];

/** POST /api/runs/{id}/rejects/what-if */
export interface WhatIfRequest {
  rule: string;
  definition: string;
}

export type WhatIfResult = Schemas["DuctusApiFeaturesRunsWhatIfResponse"];

/** GET /api/pipelines/{name}/versions */
export type PipelineVersions = Schemas["DuctusApiFeaturesPipelinesVersionsResponse"];

// --- datasets, query console, pipelines (web-ui-data) ---
export type Dataset = Schemas["DuctusApiFeaturesDatasetsDataset"];
export type DatasetColumn = Schemas["DuctusApiFeaturesDatasetsColumn"];
export type Snapshot = Schemas["DuctusApiFeaturesDatasetsSnapshotsSnapshot"];
export type Pipeline = Schemas["DuctusApiFeaturesPipelinesPipeline"];
export type Run = Schemas["DuctusApiFeaturesRunsRun"];
export type AggregateRequest = Schemas["DuctusApiFeaturesDatasetsAggregateRequest"];

export type DatasetFreshness = Schemas["DuctusApiFeaturesDatasetsFreshness"];

/** The JSON result of /api/query, /aggregate and /preview. */
export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  truncated?: boolean;
}

export type SnapshotSide = Schemas["DuctusApiFeaturesDatasetsDiffSnapshotSide"];
export type ColumnStats = Schemas["DuctusApiFeaturesDatasetsDiffColumnStats"];
/** GET /api/datasets/{name}/diff?from=&to= */
export type DatasetDiff = Schemas["DuctusApiFeaturesDatasetsDiffResponse"];

/** GET /api/lineage?dataset=&direction=up|down|both&depth=; edges point the way data flows. */
export type Lineage = Schemas["DuctusApiFeaturesLineageLineageView"];
/** `dataset:NAME`, `pipeline:NAME`, `model:NAME` or `source:PIPELINE` (a source's `name` is where it reads). */
export type LineageNode = Schemas["DuctusApiFeaturesLineageLineageNode"];

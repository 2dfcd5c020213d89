// Types of endpoints newer than the committed schema.d.ts, called with `apiFetch`. Each UI
// slice keeps its own block; the integrator folds them into the generated client.

// --- datasets, query console, pipelines (web-ui-data) ---
import type { components } from "../../../clients/typescript/src/schema";

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

/** GET /api/pipelines/{name}/versions, newest first. */
export interface PipelineVersions {
  items: { version: number; createdAt: string; createdBy?: string | null; spec: string }[];
}
// --- end web-ui-data ---

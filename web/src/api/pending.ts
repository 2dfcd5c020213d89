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

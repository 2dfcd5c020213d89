// Lineage as the Api answers it, for the lineage tests: two pipelines load flights and airports,
// a model joins them into delay_by_origin, and a second model reads that.
import type { Lineage } from "../../api/types";

export const delayLineage: Lineage = {
  root: "dataset:delay_by_origin",
  nodes: [
    { id: "dataset:airports", kind: "dataset", name: "airports", currentVersion: 2, rowCount: 3376 },
    { id: "dataset:delay_by_origin", kind: "dataset", name: "delay_by_origin", currentVersion: 5, rowCount: 318 },
    { id: "dataset:flights", kind: "dataset", name: "flights", currentVersion: 3, rowCount: 2999986 },
    { id: "dataset:worst_origins", kind: "dataset", name: "worst_origins", currentVersion: null, rowCount: null },
    { id: "model:delay_by_origin", kind: "model", name: "delay_by_origin", on: "commit", schedule: null },
    { id: "model:worst_origins", kind: "model", name: "worst_origins", on: null, schedule: "0 0 6 * * ?" },
    { id: "pipeline:bts_ontime", kind: "pipeline", name: "bts_ontime", sourceKind: "http", schedule: "0 0 * * * ?" },
    { id: "pipeline:ourairports", kind: "pipeline", name: "ourairports", sourceKind: "csv", schedule: null },
    { id: "source:bts_ontime", kind: "source", name: "transtats.bts.gov/ontime.csv", sourceKind: "http" },
    { id: "source:ourairports", kind: "source", name: "vega/airports.csv", sourceKind: "csv" },
  ],
  edges: [
    { from: "dataset:airports", to: "model:delay_by_origin" },
    { from: "dataset:delay_by_origin", to: "model:worst_origins" },
    { from: "dataset:flights", to: "model:delay_by_origin" },
    { from: "model:delay_by_origin", to: "dataset:delay_by_origin" },
    { from: "model:worst_origins", to: "dataset:worst_origins" },
    { from: "pipeline:bts_ontime", to: "dataset:flights" },
    { from: "pipeline:ourairports", to: "dataset:airports" },
    { from: "source:bts_ontime", to: "pipeline:bts_ontime" },
    { from: "source:ourairports", to: "pipeline:ourairports" },
  ],
};

/** flights read by a model and by a second one that also reads the first one's output. */
export const diamondLineage: Lineage = {
  root: "dataset:flights",
  nodes: [
    { id: "dataset:daily", kind: "dataset", name: "daily", currentVersion: 1, rowCount: 181 },
    { id: "dataset:flights", kind: "dataset", name: "flights", currentVersion: 3, rowCount: 2999986 },
    { id: "dataset:late_days", kind: "dataset", name: "late_days", currentVersion: 1, rowCount: 12 },
    { id: "model:daily", kind: "model", name: "daily", on: "commit" },
    { id: "model:late_days", kind: "model", name: "late_days", on: "commit" },
  ],
  edges: [
    { from: "dataset:daily", to: "model:late_days" },
    { from: "dataset:flights", to: "model:daily" },
    { from: "dataset:flights", to: "model:late_days" },
    { from: "model:daily", to: "dataset:daily" },
    { from: "model:late_days", to: "dataset:late_days" },
  ],
};

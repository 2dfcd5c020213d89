import type { Pipeline, PipelineVersions, Run } from "../../api/types";

export const specV1 = `name: airports
source:
  kind: csv
  path: airports.csv
contract:
  columns:
    iata: { type: varchar, required: true, pattern: '^[A-Z]{3}$' }
target:
  dataset: airports
schedule: "0 0 6 * * ?"
`;

export const specV2 = specV1.replace("^[A-Z]{3}$", "^[A-Z0-9]{3}$");

export const airportsPipeline: Pipeline = {
  name: "airports",
  version: 2,
  dataset: "airports",
  description: "Airports by IATA code",
  owner: "ana@example.com",
  tags: ["reference"],
  schedule: "0 0 6 * * ?",
  enabled: true,
  format: "yaml",
  spec: { name: "airports", source: { kind: "csv", path: "airports.csv" }, target: { dataset: "airports" } },
  createdAt: "2026-12-01T10:00:00Z",
  updatedAt: "2026-12-05T18:00:00Z",
  nextRunAt: "2026-12-06T06:00:00Z",
  nextRunNote: null,
};

export const flightsPipeline: Pipeline = {
  ...airportsPipeline,
  name: "flights",
  dataset: "flights",
  version: 1,
  schedule: null,
  enabled: false,
  nextRunAt: null,
  nextRunNote: "disabled: the pipeline is paused",
};

export const versions: PipelineVersions = {
  items: [
    { version: 2, createdAt: "2026-12-05T18:00:00Z", format: "yaml", dataset: "airports_v2", spec: specV2 },
    { version: 1, createdAt: "2026-12-01T10:00:00Z", format: "yaml", dataset: "airports", spec: specV1 },
  ],
};

export function run(overrides: Partial<Run>): Run {
  return {
    id: "a1b2c3d4-0000-4000-8000-000000000001",
    pipeline: "airports",
    pipelineVersion: 2,
    dataset: "airports",
    status: "succeeded",
    trigger: "schedule",
    rowsRead: 10,
    rowsLoaded: 9,
    rowsRejected: 1,
    bytes: 1000,
    snapshotVersion: 2,
    createdAt: "2026-12-05T06:00:00Z",
    startedAt: "2026-12-05T06:00:01Z",
    finishedAt: "2026-12-05T06:00:03Z",
    error: null,
    errorStep: null,
    attempt: 1,
    replayOf: null,
    steps: {},
    ...overrides,
  };
}

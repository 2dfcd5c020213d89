// Runs as the Api answers them, for the runs pages' tests.
import type { Run } from "./types";

export function run(overrides: Partial<Run> = {}): Run {
  return {
    id: "3f1c2a9e-5b7d-4c1e-9a0b-1d2e3f4a5b6c",
    pipeline: "airports",
    pipelineVersion: 3,
    dataset: "airports",
    status: "succeeded",
    trigger: "schedule",
    rowsRead: 3376,
    rowsLoaded: 3334,
    rowsRejected: 42,
    bytes: 182_344,
    snapshotVersion: 7,
    createdAt: new Date(Date.now() - 120_000).toISOString(),
    startedAt: new Date(Date.now() - 118_000).toISOString(),
    finishedAt: new Date(Date.now() - 115_500).toISOString(),
    error: null,
    errorStep: null,
    attempt: 1,
    replayOf: null,
    steps: { extract: 310, transform: 120, contract: 85, load: 640, commit: 40 },
    ...overrides,
  };
}

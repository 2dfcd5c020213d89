// The dataset reads more than one page needs (the query console completes names from them).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { apiFetch } from "../../api/client";
import type { Dataset, Snapshot } from "../../api/types";

/** GET /api/datasets's narrowing: search words (ranked by the Api), a tag, an owner. */
export interface DatasetFilter {
  q?: string;
  tag?: string;
  owner?: string;
}

export function useDatasets(filter: DatasetFilter = {}) {
  const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => !!e[1])).toString();
  return useQuery({
    queryKey: ["datasets", query],
    queryFn: async ({ signal }) => (await apiFetch<{ items: Dataset[] }>(query ? `/api/datasets?${query}` : "/api/datasets", { signal })).items,
    // The last answer stays on screen while the next search runs, instead of a loading flash per keystroke.
    placeholderData: keepPreviousData,
  });
}

export function useSnapshots(name: string, enabled = true) {
  return useQuery({
    queryKey: ["snapshots", name],
    queryFn: async () => (await apiFetch<{ items: Snapshot[] }>(`/api/datasets/${encodeURIComponent(name)}/snapshots`)).items,
    enabled,
  });
}

// The dataset reads more than one page needs (the query console completes names from them).
import { useQuery } from "@tanstack/react-query";
import { apiFetch } from "../../api/client";
import type { Dataset, Snapshot } from "../../api/types";

export function useDatasets() {
  return useQuery({
    queryKey: ["datasets"],
    queryFn: async () => (await apiFetch<{ items: Dataset[] }>("/api/datasets")).items,
  });
}

export function useSnapshots(name: string, enabled = true) {
  return useQuery({
    queryKey: ["snapshots", name],
    queryFn: async () => (await apiFetch<{ items: Snapshot[] }>(`/api/datasets/${encodeURIComponent(name)}/snapshots`)).items,
    enabled,
  });
}

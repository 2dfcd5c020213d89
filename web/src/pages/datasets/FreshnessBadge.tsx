import type { DatasetFreshness } from "../../api/types";
import { formatRelative, formatTime } from "../../format";

// The Api says fresh/stale/never_loaded/unscheduled (docs/api.md); issue 19 adds late/unknown.
const labels: Record<string, string> = { fresh: "fresh", stale: "late", late: "late", never_loaded: "never loaded", unscheduled: "unscheduled", unknown: "unknown" };

export function FreshnessBadge({ freshness }: { freshness: DatasetFreshness | null | undefined }) {
  const status = freshness?.status ?? "unknown";
  const due = freshness?.expectedBy ?? freshness?.dueBy;
  const title = due ? `${status === "fresh" ? "next commit due" : "was due"} ${formatTime(due)} (${formatRelative(due)})` : undefined;
  return (
    <span className={`badge freshness ${status}`} data-testid="freshness-badge" data-status={status} title={title}>
      {labels[status] ?? status}
    </span>
  );
}

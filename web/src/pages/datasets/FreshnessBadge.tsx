import type { DatasetFreshness } from "../../api/types";
import { formatRelative, formatTime } from "../../format";

// The Api says fresh/stale/never_loaded/unscheduled (docs/api.md); issue 19 adds late/unknown.
const labels: Record<string, string> = { fresh: "fresh", stale: "late", late: "late", never_loaded: "never loaded", unscheduled: "unscheduled", unknown: "unknown" };

/**
 * The dataset's freshness. With a spec's SLA (freshness.sla) the status follows it, as the
 * freshness alerts do; the level those alerts are at (warn/error) shows beside the label, and
 * the title says which rule applied, so badge and alert never seem to disagree.
 */
export function FreshnessBadge({ freshness }: { freshness: DatasetFreshness | null | undefined }) {
  const status = freshness?.status ?? "unknown";
  const level = freshness?.level === "warn" || freshness?.level === "error" ? freshness.level : undefined;
  const due = freshness?.expectedBy ?? freshness?.dueBy;
  const title = [
    due ? `${status === "fresh" ? "next commit due" : "was due"} ${formatTime(due)} (${formatRelative(due)})` : undefined,
    freshness?.sla ? `SLA: ${freshness.sla}` : undefined,
    level ? `alert level: ${level}` : undefined,
  ].filter((part): part is string => part !== undefined);
  return (
    <span
      className={`badge freshness ${status}${level ? ` level-${level}` : ""}`}
      data-testid="freshness-badge"
      data-status={status}
      data-level={level ?? "none"}
      title={title.length > 0 ? title.join("; ") : undefined}
    >
      {labels[status] ?? status}
      {level && <span data-testid="freshness-level"> · {level}</span>}
    </span>
  );
}

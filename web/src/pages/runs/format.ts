// Number, size, time and duration texts shared by the runs, rejects and admin pages.

export function formatNumber(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : n.toLocaleString("en-US");
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) {
    return "—";
  }
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) {
    return "—";
  }
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  const s = ms / 1000;
  if (s < 60) {
    return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  }
  const m = Math.floor(s / 60);
  if (m < 60) {
    return `${m} min ${Math.round(s % 60)} s`;
  }
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** How long a run took, or has taken so far while it runs. */
export function runDuration(run: { startedAt?: string | null; finishedAt?: string | null }, now = Date.now()): number | undefined {
  if (!run.startedAt) {
    return undefined;
  }
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
  return Math.max(0, end - Date.parse(run.startedAt));
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) {
    return "—";
  }
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/** "3 min ago" for recent times, the date beyond a day. */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) {
    return "—";
  }
  const diff = now - Date.parse(iso);
  if (Number.isNaN(diff)) {
    return iso;
  }
  if (diff < 60_000) {
    return "just now";
  }
  if (diff < 3_600_000) {
    return `${Math.floor(diff / 60_000)} min ago`;
  }
  if (diff < 86_400_000) {
    return `${Math.floor(diff / 3_600_000)} h ago`;
  }
  return formatTime(iso);
}

export const finalStatuses = new Set(["succeeded", "failed", "cancelled"]);

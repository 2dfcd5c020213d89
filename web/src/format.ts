// Number, size, time and duration texts: one home for every page's formatting.

const integer = new Intl.NumberFormat("en-US");

export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : integer.format(n);
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

/** "2026-12-05 14:03" in the viewer's time zone: sortable and the same width on every row. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) {
    return "—";
  }
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) {
    return iso;
  }
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "3 h ago", "in 12 min": how far an instant is from now, either way. */
export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) {
    return "";
  }
  const ms = new Date(iso).getTime() - now;
  if (Number.isNaN(ms)) {
    return "";
  }
  const abs = Math.abs(ms);
  const text = abs < 60_000 ? "< 1 min" : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min` : abs < 172_800_000 ? `${Math.round(abs / 3_600_000)} h` : `${Math.round(abs / 86_400_000)} d`;
  return ms < 0 ? `${text} ago` : `in ${text}`;
}

/** "3 min ago" for the past day, the time beyond it: how run lists show when things happened. */
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

/** A cell of a query result: nested values as JSON, null visibly null. */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) {
    return "NULL";
  }
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** The lake's bookkeeping columns, listed last by the Api and hidden from column counts. */
export function isSystemColumn(name: string): boolean {
  return name.startsWith("_ductus_");
}

export const finalStatuses = new Set(["succeeded", "failed", "cancelled"]);

// Number, byte and time formatting shared by the datasets, query and pipelines pages.

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
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** "2026-12-05 14:03" in the viewer's time zone; the full ISO instant is the title. */
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

/** "3 h ago", "in 12 min": how far an instant is from now. */
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

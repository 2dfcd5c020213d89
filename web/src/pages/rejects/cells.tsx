// Tables of arbitrary rows (reject values, what-if samples): every key a column, every value shown.

export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** The union of the rows' keys, in the order they first appear. */
export function columnsOf(rows: unknown[]): string[] {
  const keys = new Set<string>();
  for (const row of rows) {
    if (row && typeof row === "object" && !Array.isArray(row)) {
      Object.keys(row).forEach((k) => keys.add(k));
    }
  }
  return [...keys];
}

export function Cell({ value }: { value: unknown }) {
  return <td className={value === null || value === undefined ? "muted" : typeof value === "number" ? "num" : undefined}>{cellText(value)}</td>;
}

/** A table of objects, for what-if samples whose shape the page does not know in advance. */
export function ObjectTable({ rows, testId, rowTestId }: { rows: unknown[]; testId: string; rowTestId: string }) {
  const columns = columnsOf(rows);
  return (
    <div className="table-wrap">
      <table data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i} data-testid={rowTestId}>
              {columns.map((c) => (
                <Cell key={c} value={(row as Record<string, unknown> | null)?.[c]} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

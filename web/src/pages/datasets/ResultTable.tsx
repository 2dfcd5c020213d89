// A query-shaped result ({columns, rows}) as a table: the dataset preview and the query grid.
import type { QueryResult } from "../../api/types";
import { formatCell } from "../../format";

const numeric = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL)/i;

export function ResultTable({ columns, rows, testId, rowTestId, firstRow = 0 }: { columns: QueryResult["columns"]; rows: unknown[][]; testId: string; rowTestId: string; firstRow?: number }) {
  const isNumber = columns.map((c) => numeric.test(c.type));
  return (
    <div className="table-wrap">
      <table data-testid={testId} className="result-table">
        <thead>
          <tr>
            <th className="num muted">#</th>
            {columns.map((c) => (
              <th key={c.name} title={c.type} className={isNumber[columns.indexOf(c)] ? "num" : undefined}>
                {c.name}
                <span className="col-type">{c.type}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={firstRow + i} data-testid={rowTestId}>
              <td className="num muted">{firstRow + i + 1}</td>
              {row.map((value, j) => (
                <td key={j} className={`${isNumber[j] ? "num" : ""}${value === null ? " null" : ""}`}>
                  {formatCell(value)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// A chart from POST /api/datasets/{name}/aggregate: one group column, one measure, bar or line.
import { useMemo, useState } from "react";
import type { EChartsOption } from "echarts";
import { apiFetch } from "../../api/client";
import type { AggregateRequest, Dataset, QueryResult } from "../../api/types";
import { EChart } from "../../charts/EChart";
import { Empty, ErrorState, Loading } from "../../components/States";
import { isSystemColumn } from "../../format";

const numeric = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL)/i;
const measureName = "measure";

type Fn = "count" | "sum" | "avg";

export function ChartBuilder({ datasets }: { datasets: Dataset[] }) {
  const [name, setName] = useState("");
  const dataset = datasets.find((d) => d.name === name) ?? datasets[0];
  const columns = useMemo(() => (dataset?.columns ?? []).filter((c) => !isSystemColumn(c.name)), [dataset]);
  const numbers = columns.filter((c) => numeric.test(c.type));
  const [group, setGroup] = useState("");
  const [fn, setFn] = useState<Fn>("count");
  const [measure, setMeasure] = useState("");
  const [kind, setKind] = useState<"bar" | "line">("bar");
  const [state, setState] = useState<{ busy: boolean; error?: unknown; option?: EChartsOption; empty?: boolean }>({ busy: false });

  const groupColumn = columns.some((c) => c.name === group) ? group : columns[0]?.name ?? "";
  const measureColumn = numbers.some((c) => c.name === measure) ? measure : numbers[0]?.name ?? "";

  if (datasets.length === 0 || !dataset) {
    return <Empty>No datasets to chart yet.</Empty>;
  }

  const draw = async () => {
    const metric = fn === "count" ? { fn, as: measureName } : { fn, column: measureColumn, as: measureName };
    const request: AggregateRequest = {
      groupBy: [groupColumn],
      metrics: [metric],
      // Bars read best largest first; a line follows its x axis.
      orderBy: kind === "bar" ? [{ by: measureName, desc: true }] : [{ by: groupColumn, desc: false }],
      limit: 50,
    };
    setState({ busy: true });
    try {
      const result = await apiFetch<QueryResult>(`/api/datasets/${encodeURIComponent(dataset.name)}/aggregate`, { method: "POST", body: JSON.stringify(request) });
      const x = Math.max(0, result.columns.findIndex((c) => c.name.toLowerCase() === groupColumn.toLowerCase()));
      const y = result.columns.findIndex((c) => c.name === measureName);
      const label = fn === "count" ? "count" : `${fn}(${measureColumn})`;
      const option: EChartsOption = {
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 8, bottom: 8, top: 24, containLabel: true },
        xAxis: { type: "category", data: result.rows.map((r) => String(r[x] ?? "NULL")), name: groupColumn },
        yAxis: { type: "value", name: label },
        series: [{ type: kind, name: label, data: result.rows.map((r) => Number(r[y < 0 ? 1 : y] ?? 0)) }],
      };
      setState({ busy: false, option, empty: result.rows.length === 0 });
    } catch (error) {
      setState({ busy: false, error });
    }
  };

  return (
    <div className="panel chart-builder" data-testid="chart-builder">
      <div className="toolbar">
        <label>
          Dataset{" "}
          <select data-testid="chart-dataset" value={dataset.name} onChange={(e) => setName(e.target.value)}>
            {datasets.map((d) => (
              <option key={d.name}>{d.name}</option>
            ))}
          </select>
        </label>
        <label>
          Group by{" "}
          <select data-testid="chart-group" value={groupColumn} onChange={(e) => setGroup(e.target.value)}>
            {columns.map((c) => (
              <option key={c.name}>{c.name}</option>
            ))}
          </select>
        </label>
        <label>
          Measure{" "}
          <select data-testid="chart-measure" value={fn} onChange={(e) => setFn(e.target.value as Fn)}>
            <option value="count">count</option>
            <option value="sum" disabled={numbers.length === 0}>
              sum
            </option>
            <option value="avg" disabled={numbers.length === 0}>
              avg
            </option>
          </select>
        </label>
        {fn !== "count" && (
          <label>
            of{" "}
            <select data-testid="chart-measure-column" value={measureColumn} onChange={(e) => setMeasure(e.target.value)}>
              {numbers.map((c) => (
                <option key={c.name}>{c.name}</option>
              ))}
            </select>
          </label>
        )}
        <label>
          Chart{" "}
          <select data-testid="chart-type" value={kind} onChange={(e) => setKind(e.target.value as "bar" | "line")}>
            <option value="bar">bar</option>
            <option value="line">line</option>
          </select>
        </label>
        <button type="button" className="primary" data-testid="chart-run" disabled={state.busy || !groupColumn} onClick={() => void draw()}>
          Draw
        </button>
      </div>
      {state.busy && <Loading what="chart" />}
      {state.error !== undefined && <ErrorState error={state.error} />}
      {state.empty && <Empty>No rows to chart.</Empty>}
      {state.option && !state.empty && !state.busy && <EChart option={state.option} testId="chart" label={`${fn} by ${groupColumn} of ${dataset.name}`} />}
    </div>
  );
}

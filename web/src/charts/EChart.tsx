// ECharts (SVG renderer, loaded on first use) for bar, histogram and category charts.
import { useEffect, useRef } from "react";
import type { EChartsOption } from "echarts";

export function EChart({ option, height = 280, testId = "chart", label }: { option: EChartsOption; height?: number; testId?: string; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let disposed = false;
    let chart: { setOption(o: EChartsOption): void; resize(): void; dispose(): void } | undefined;
    const onResize = () => chart?.resize();
    void import("echarts").then((echarts) => {
      if (disposed || !host.current) {
        return;
      }
      chart = echarts.init(host.current, undefined, { renderer: "svg" });
      chart.setOption(option);
      window.addEventListener("resize", onResize);
    });
    return () => {
      disposed = true;
      window.removeEventListener("resize", onResize);
      chart?.dispose();
    };
  }, [option]);
  return <div ref={host} className="chart" style={{ height }} data-testid={testId} role="img" aria-label={label} />;
}

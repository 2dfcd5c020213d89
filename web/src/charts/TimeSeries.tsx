// uPlot for time series (rows per snapshot, freshness over time): x in Unix seconds.
import { useEffect, useRef } from "react";
import "uplot/dist/uPlot.min.css";

export interface Series {
  label: string;
  values: (number | null)[];
}

export function TimeSeries({ times, series, height = 220, testId = "timeseries", label }: { times: number[]; series: Series[]; height?: number; testId?: string; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let disposed = false;
    let plot: { destroy(): void; setSize(s: { width: number; height: number }): void } | undefined;
    const element = host.current;
    const onResize = () => element && plot?.setSize({ width: element.clientWidth, height });
    void import("uplot").then(({ default: UPlot }) => {
      if (disposed || !element) {
        return;
      }
      plot = new UPlot(
        {
          width: Math.max(element.clientWidth, 200),
          height,
          series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: palette[i % palette.length], width: 2, points: { show: true } }))],
          axes: [{}, {}],
        },
        [times, ...series.map((s) => s.values)],
        element,
      );
      window.addEventListener("resize", onResize);
    });
    return () => {
      disposed = true;
      window.removeEventListener("resize", onResize);
      plot?.destroy();
    };
  }, [times, series, height]);
  return <div ref={host} className="chart" data-testid={testId} role="img" aria-label={label} />;
}

const palette = ["#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c"];

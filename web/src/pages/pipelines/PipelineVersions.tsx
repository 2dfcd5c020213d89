// The spec's versions, newest first; tick two to see what changed between them.
import { lazy, Suspense, useState } from "react";
import type { PipelineVersions as Versions } from "../../api/types";
import { Empty, Loading } from "../../components/States";
import { formatTime } from "../../format";

const MergeDiff = lazy(() => import("../../editor/MergeDiff").then((m) => ({ default: m.MergeDiff })));

export function PipelineVersions({ items }: { items: Versions["items"] }) {
  // Preselect the two newest, the change most often asked about.
  const [picked, setPicked] = useState<number[]>(() => items.slice(0, 2).map((v) => v.version));
  if (items.length === 0) {
    return <Empty>No versions recorded.</Empty>;
  }
  const toggle = (version: number) =>
    setPicked((current) => (current.includes(version) ? current.filter((v) => v !== version) : [...current, version].slice(-2)));
  const [older, newer] = [...picked].sort((a, b) => a - b).map((v) => items.find((i) => i.version === v));
  return (
    <>
      <div className="table-wrap">
        <table data-testid="pipeline-versions">
          <thead>
            <tr>
              <th>Compare</th>
              <th className="num">Version</th>
              <th>Saved</th>
              <th>Dataset</th>
            </tr>
          </thead>
          <tbody>
            {items.map((v) => (
              <tr key={v.version} data-testid="pipeline-version" data-version={v.version}>
                <td>
                  <input type="checkbox" data-testid="pipeline-version-select" aria-label={`Compare version ${v.version}`} checked={picked.includes(v.version)} onChange={() => toggle(v.version)} />
                </td>
                <td className="num">v{v.version}</td>
                <td title={v.createdAt}>{formatTime(v.createdAt)}</td>
                <td>{v.dataset}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {older && newer ? (
        <div className="panel">
          <p className="muted" data-testid="pipeline-diff-title">
            v{older.version} (left) → v{newer.version} (right)
          </p>
          <Suspense fallback={<Loading what="diff" />}>
            <MergeDiff a={older.spec} b={newer.spec} testId="pipeline-diff" label={`Spec changes from version ${older.version} to ${newer.version}`} />
          </Suspense>
        </div>
      ) : (
        items.length > 1 && <p className="muted">Tick two versions to see what changed.</p>
      )}
    </>
  );
}

// A query's answer: row count, the snapshots it read, a paged grid, downloads and a share link.
import { useState } from "react";
import { Empty } from "../../components/States";
import { formatCount } from "../../format";
import { ResultTable } from "../datasets/ResultTable";
import { downloadQuery, formats, saveBlob, shareLink, type DownloadFormat, type QueryAnswer } from "./queryApi";

const pageSize = 50;

export function QueryResultView({ answer, sql, limit }: { answer: QueryAnswer; sql: string; limit: number }) {
  const { result, versions } = answer;
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(result.rows.length / pageSize));
  const current = Math.min(page, pages - 1);
  const first = current * pageSize;
  const read = Object.entries(versions);
  return (
    <section className="query-result" aria-label="Result">
      <div className="toolbar">
        <strong data-testid="query-row-count" data-rows={result.rows.length}>
          {formatCount(result.rows.length)} {result.rows.length === 1 ? "row" : "rows"}
        </strong>
        {result.truncated && (
          <span className="badge late" data-testid="query-truncated" title="Raise the row limit, or download, to get more">
            cut at {formatCount(limit)}
          </span>
        )}
        <span className="muted" data-testid="query-versions">
          {read.length > 0 ? `read ${read.map(([name, v]) => `${name} v${v}`).join(", ")}` : ""}
        </span>
        <span className="muted">
          {answer.milliseconds} ms{answer.cache === "hit" ? " · from cache" : ""}
        </span>
      </div>
      <div className="toolbar">
        <Download request={{ sql, versions, limit }} format="csv" />
        <Download request={{ sql, versions, limit }} format="parquet" />
        <Share sql={sql} versions={versions} />
      </div>
      {result.rows.length === 0 ? (
        <Empty>The query returned no rows.</Empty>
      ) : (
        <>
          <ResultTable columns={result.columns} rows={result.rows.slice(first, first + pageSize)} firstRow={first} testId="query-grid" rowTestId="query-row" />
          <div className="toolbar pager">
            <button type="button" data-testid="query-page-prev" disabled={current === 0} onClick={() => setPage(current - 1)}>
              ← Previous
            </button>
            <span data-testid="query-page">
              Page {current + 1} of {pages} · rows {formatCount(first + 1)}–{formatCount(Math.min(first + pageSize, result.rows.length))}
            </span>
            <button type="button" data-testid="query-page-next" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
              Next →
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function Download({ request, format }: { request: Parameters<typeof downloadQuery>[0]; format: DownloadFormat }) {
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const download = async () => {
    setState({ busy: true });
    try {
      saveBlob(await downloadQuery(request, format), `query.${formats[format].extension}`);
      setState({ busy: false });
    } catch (error) {
      setState({ busy: false, error: error instanceof Error ? error.message : String(error) });
    }
  };
  return (
    <>
      <button type="button" data-testid={`query-download-${format}`} disabled={state.busy} onClick={() => void download()}>
        {state.busy ? <span className="spinner" aria-hidden="true" /> : null} {format === "csv" ? "CSV" : "Parquet"}
      </button>
      {state.error && (
        <span className="error-text" role="alert" data-testid={`query-download-${format}-error`}>
          {state.error}
        </span>
      )}
    </>
  );
}

function Share({ sql, versions }: { sql: string; versions: QueryAnswer["versions"] }) {
  const link = shareLink(sql, versions);
  const [shown, setShown] = useState(false);
  const share = async () => {
    setShown(true);
    try {
      await navigator.clipboard?.writeText(link);
    } catch {
      // No clipboard (permission, plain http): the link is shown to copy by hand.
    }
  };
  return (
    <>
      <button type="button" data-testid="query-share" data-link={link} onClick={() => void share()} title="A link that reruns this statement on the same snapshots">
        Share link
      </button>
      {shown && <input className="share-link" readOnly value={link} data-testid="query-share-link" aria-label="Share link" onFocus={(e) => e.target.select()} />}
    </>
  );
}

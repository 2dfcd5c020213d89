// A dataset's or pipeline's tags, each a link to the datasets carrying it.
import { Link } from "react-router-dom";

export function TagList({ tags }: { tags: readonly string[] | null | undefined }) {
  if (!tags || tags.length === 0) {
    return <span className="muted">—</span>;
  }
  return (
    <span className="tags" data-testid="tags">
      {tags.map((t) => (
        <Link key={t} to={`/datasets?tag=${encodeURIComponent(t)}`} className="badge tag" data-testid="tag" data-tag={t}>
          {t}
        </Link>
      ))}
    </span>
  );
}

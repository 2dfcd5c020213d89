// The three states every page shows before (or instead of) its data. Tests find them by test id.
import type { ReactNode } from "react";

export function Loading({ what }: { what?: string }) {
  return (
    <div className="state loading" data-testid="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading{what ? ` ${what}` : ""}…
    </div>
  );
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="state error" data-testid="error" role="alert">
      <strong>Something went wrong.</strong> {message}
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <div className="state empty" data-testid="empty">
      {children}
    </div>
  );
}

/** Renders loading / error / the data, so a page cannot forget a state. */
export function Async<T>({
  query,
  what,
  children,
}: {
  query: { data: T | undefined; error: unknown; isPending: boolean; refetch: () => unknown };
  what?: string;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) {
    return <Loading what={what} />;
  }
  if (query.error || query.data === undefined) {
    return <ErrorState error={query.error ?? new Error("No data.")} retry={() => void query.refetch()} />;
  }
  return <>{children(query.data)}</>;
}

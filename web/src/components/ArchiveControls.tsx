// Archive (DELETE) and restore (POST …/restore) of a dataset or a pipeline, for engineers and
// admins: the ones the Api lets undo a delete. Archiving asks once more, since the item then
// leaves every list; after it the same place offers the restore (the item's own page answers
// 404 from then on, so the offer cannot live anywhere else).
import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "../api/client";
import { useSession } from "../api/session";

export type ArchiveKind = "dataset" | "pipeline";

function path(kind: ArchiveKind, name: string): string {
  return `/api/${kind}s/${encodeURIComponent(name)}`;
}

/** The query keys a change of the item makes stale: its lists and its own page. */
function invalidate(client: ReturnType<typeof useQueryClient>, kind: ArchiveKind, name: string) {
  void client.invalidateQueries({ queryKey: [`${kind}s`] });
  void client.invalidateQueries({ queryKey: [kind, name] });
}

export function ArchiveControls({ kind, name }: { kind: ArchiveKind; name: string }) {
  const { can } = useSession();
  const client = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [archived, setArchived] = useState(false);
  const archive = useMutation({
    mutationFn: () => apiFetch<void>(path(kind, name), { method: "DELETE" }),
    onSuccess: () => {
      setConfirming(false);
      setArchived(true);
      void client.invalidateQueries({ queryKey: [`${kind}s`] });
    },
  });
  if (!can("engineer")) {
    return null;
  }
  if (archived) {
    return <RestoreOffer kind={kind} name={name} onRestored={() => setArchived(false)} />;
  }
  return (
    <span className="archive-controls" data-testid="archive-controls">
      {confirming ? (
        <>
          <span>
            Archive {kind} {name}? It leaves every list; its data and history stay until purged.
          </span>{" "}
          <button type="button" className="danger" data-testid="archive-confirm" disabled={archive.isPending} onClick={() => archive.mutate()}>
            Archive
          </button>{" "}
          <button type="button" data-testid="archive-cancel" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" data-testid="archive" onClick={() => setConfirming(true)}>
          Archive…
        </button>
      )}
      {archive.error && (
        <span className="state error" role="alert" data-testid="archive-error">
          {archive.error.message}
        </span>
      )}
    </span>
  );
}

/** The restore button, shown after an archive here or where the item answered 404 (it may be archived). */
export function RestoreOffer({ kind, name, onRestored, note }: { kind: ArchiveKind; name: string; onRestored?: () => void; note?: string }) {
  const { can } = useSession();
  const client = useQueryClient();
  const restore = useMutation({
    mutationFn: () => apiFetch<void>(`${path(kind, name)}/restore`, { method: "POST" }),
    onSuccess: () => {
      invalidate(client, kind, name);
      onRestored?.();
    },
  });
  if (!can("engineer")) {
    return null;
  }
  return (
    <div className="state empty" data-testid="restore-offer" role="status">
      {note ?? `The ${kind} ${name} is archived: hidden from lists, with its data and history kept.`}{" "}
      <button type="button" className="primary" data-testid="restore" disabled={restore.isPending} onClick={() => restore.mutate()}>
        Restore
      </button>
      {restore.error && (
        <span className="state error" role="alert" data-testid="restore-error">
          {restore.error.message}
        </span>
      )}
    </div>
  );
}

// Workspaces: the tenants of this installation. Only the default workspace's admins may create
// one; the Api says so when another admin tries.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "../../api/client";
import { Async, Empty } from "../../components/States";
import { formatTime } from "../../format";
import type { CreatedWorkspace, Workspace } from "../runs/types";
import { OneTimeSecret } from "./OneTimeSecret";

export function WorkspacesPanel() {
  const queryClient = useQueryClient();
  const workspaces = useQuery({ queryKey: ["admin", "workspaces"], queryFn: ({ signal }) => apiFetch<{ items: Workspace[] }>("/api/workspaces", { signal }) });
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: () => apiFetch<CreatedWorkspace>("/api/workspaces", { method: "POST", body: JSON.stringify({ name: name.trim() }) }),
    onSuccess: () => {
      setName("");
      void queryClient.invalidateQueries({ queryKey: ["admin"] });
    },
  });
  return (
    <section className="panel" aria-labelledby="workspaces-heading">
      <h2 id="workspaces-heading">Workspaces</h2>
      <form
        className="toolbar"
        data-testid="workspace-create"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <input data-testid="workspace-name" aria-label="Workspace name" placeholder="new-workspace" value={name} onChange={(e) => setName(e.target.value)} required />
        <button type="submit" className="primary" data-testid="workspace-submit" disabled={create.isPending || name.trim() === ""}>
          {create.isPending ? "Creating…" : "Create workspace"}
        </button>
      </form>
      {create.error && (
        <div className="state error" role="alert" data-testid="workspace-create-error">
          {create.error.message}
        </div>
      )}
      {create.data && (
        <>
          <p>
            Workspace <strong>{create.data.name}</strong> created with its first admin key:
          </p>
          <OneTimeSecret clientId={create.data.adminKey.clientId} secret={create.data.adminKey.clientSecret} testId="workspace-secret" onDismiss={create.reset} />
        </>
      )}
      <Async query={workspaces} what="workspaces">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No workspaces.</Empty>
          ) : (
            <div className="table-wrap">
              <table data-testid="workspaces-table">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Id</th>
                    <th>Created</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((w) => (
                    <tr key={w.id} data-testid="workspace-row" data-workspace={w.name}>
                      <td>{w.name}</td>
                      <td className="mono">{w.id}</td>
                      <td>{formatTime(w.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Async>
    </section>
  );
}

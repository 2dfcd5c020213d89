// The workspace's API keys: who can call the Api, with which roles and grants; create one (its
// secret is shown once, here), grant or withdraw reading personal data unmasked, or revoke one.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "../../api/client";
import { Async, Empty } from "../../components/States";
import { formatAgo, formatTime } from "../../format";
import type { ApiKey, CreatedKey } from "../runs/types";
import { OneTimeSecret } from "./OneTimeSecret";

const roles = ["analyst", "engineer", "ingest", "admin"];
const piiRead = "pii:read";

export function KeysPanel() {
  const queryClient = useQueryClient();
  const keys = useQuery({ queryKey: ["admin", "keys"], queryFn: ({ signal }) => apiFetch<{ items: ApiKey[] }>("/api/keys", { signal }) });
  const changed = () => {
    void queryClient.invalidateQueries({ queryKey: ["admin", "keys"] });
    void queryClient.invalidateQueries({ queryKey: ["admin", "audit"] });
  };
  const revoke = useMutation({
    mutationFn: (key: ApiKey) => apiFetch<void>(`/api/keys/${key.id}`, { method: "DELETE" }),
    onSuccess: changed,
  });
  // The box a user just clicked shows what was asked at once (set in the click's own event, so
  // React never renders the old value in between) until the list read again confirms it, or the
  // change fails and it flips back beside the error.
  const [asked, setAsked] = useState<{ id: string; on: boolean } | null>(null);
  // The Api replaces a key's grants with the list sent, so the others it holds are sent back.
  const grant = useMutation({
    mutationFn: ({ key, on }: { key: ApiKey; on: boolean }) =>
      apiFetch<void>(`/api/keys/${key.id}/grants`, {
        method: "PUT",
        body: JSON.stringify({ grants: on ? [...new Set([...key.grants, piiRead])] : key.grants.filter((g) => g !== piiRead) }),
      }),
    // Pending until the list is read again, so the box never flips back in between.
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ["admin", "keys"] }),
        queryClient.invalidateQueries({ queryKey: ["admin", "audit"] }),
      ]),
    onSettled: () => setAsked(null),
  });

  return (
    <section className="panel" aria-labelledby="keys-heading">
      <h2 id="keys-heading">API keys</h2>
      <CreateKey onCreated={changed} />
      {grant.error && (
        <div className="state error" role="alert" data-testid="key-grant-error">
          {grant.error.message}
        </div>
      )}
      {revoke.error && (
        <div className="state error" role="alert" data-testid="key-revoke-error">
          {revoke.error.message}
        </div>
      )}
      <Async query={keys} what="keys">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No keys yet.</Empty>
          ) : (
            <div className="table-wrap">
              <table data-testid="keys-table">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Client id</th>
                    <th>Roles</th>
                    <th title="Reads personal (pii) columns unmasked; every such read is audited">Unmasked PII</th>
                    <th>Created</th>
                    <th>Last used</th>
                    <th>State</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((k) => (
                    <tr key={k.id} data-testid="key-row" data-client-id={k.clientId} data-revoked={k.revokedAt ? "true" : "false"}>
                      <td title={k.description ?? undefined}>{k.name}</td>
                      <td className="mono">{k.clientId}</td>
                      <td>{k.roles.join(", ")}</td>
                      <td>
                        <input
                          type="checkbox"
                          data-testid="key-pii-read"
                          aria-label={`${k.name} reads personal data unmasked (${piiRead})`}
                          checked={asked?.id === k.id ? asked.on : k.grants.includes(piiRead)}
                          disabled={!!k.revokedAt || asked?.id === k.id}
                          onChange={(e) => {
                            setAsked({ id: k.id, on: e.target.checked });
                            grant.mutate({ key: k, on: e.target.checked });
                          }}
                        />
                      </td>
                      <td title={formatTime(k.createdAt)}>
                        {formatAgo(k.createdAt)} <span className="muted">by {k.createdBy}</span>
                      </td>
                      <td>{k.lastUsedAt ? formatAgo(k.lastUsedAt) : <span className="muted">never</span>}</td>
                      <td>{k.revokedAt ? <span className="badge failed">revoked {formatAgo(k.revokedAt)}</span> : <span className="badge succeeded">active</span>}</td>
                      <td>
                        {!k.revokedAt && (
                          <button
                            type="button"
                            data-testid="key-revoke"
                            disabled={revoke.isPending && revoke.variables?.id === k.id}
                            onClick={() => {
                              if (window.confirm(`Revoke the key "${k.name}" (${k.clientId})? Its next token request will be refused.`)) {
                                revoke.mutate(k);
                              }
                            }}
                          >
                            Revoke
                          </button>
                        )}
                      </td>
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

function CreateKey({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState("analyst");
  const create = useMutation({
    mutationFn: () => apiFetch<CreatedKey>("/api/keys", { method: "POST", body: JSON.stringify({ name: name.trim(), roles: [role] }) }),
    onSuccess: () => {
      setName("");
      onCreated();
    },
  });
  return (
    <>
      <form
        className="toolbar"
        data-testid="key-create"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <input data-testid="key-name" aria-label="Key name" placeholder="What the key is for" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        <select data-testid="key-role" aria-label="Role" value={role} onChange={(e) => setRole(e.target.value)}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        <button type="submit" className="primary" data-testid="key-submit" disabled={create.isPending || name.trim() === ""}>
          {create.isPending ? "Creating…" : "Create key"}
        </button>
      </form>
      {create.error && (
        <div className="state error" role="alert" data-testid="key-create-error">
          {create.error.message}
        </div>
      )}
      {create.data && <OneTimeSecret clientId={create.data.clientId} secret={create.data.clientSecret} testId="key-secret" onDismiss={create.reset} />}
    </>
  );
}

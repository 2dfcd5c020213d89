// Administration of the signed-in workspace: keys, workspaces and the audit log (admins only;
// the Api refuses everyone else anyway).
import { useSession } from "../../api/session";
import { AuditPanel } from "./AuditPanel";
import { KeysPanel } from "./KeysPanel";
import { WorkspacesPanel } from "./WorkspacesPanel";

export default function AdminPage() {
  const { can, session } = useSession();
  if (!can("admin")) {
    return (
      <div className="page">
        <h1>Admin</h1>
        <div className="state empty" data-testid="admin-forbidden">
          Only admins manage keys and workspaces. You are signed in as {session?.roles.join(", ") || "nobody"}.
        </div>
      </div>
    );
  }
  return (
    <div className="page admin-page">
      <h1>Admin · {session?.workspace}</h1>
      <KeysPanel />
      <WorkspacesPanel />
      <AuditPanel />
    </div>
  );
}

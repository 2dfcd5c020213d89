import { NavLink, Outlet } from "react-router-dom";
import { useSession } from "../api/session";

const links = [
  { to: "/runs", label: "Runs", id: "nav-runs" },
  { to: "/datasets", label: "Datasets", id: "nav-datasets" },
  { to: "/query", label: "Query", id: "nav-query" },
  { to: "/pipelines", label: "Pipelines", id: "nav-pipelines" },
];

export function Layout() {
  const { session, signOut, can } = useSession();
  return (
    <div className="shell">
      <header className="topbar">
        <a className="brand" href="/runs">
          Ductus
        </a>
        <nav aria-label="Main">
          {links.map((l) => (
            <NavLink key={l.to} to={l.to} data-testid={l.id}>
              {l.label}
            </NavLink>
          ))}
          {can("admin") && (
            <NavLink to="/admin" data-testid="nav-admin">
              Admin
            </NavLink>
          )}
        </nav>
        <div className="who" data-testid="who">
          <span title={session?.roles.join(", ")}>
            {session?.clientId} · {session?.workspace}
          </span>
          <button type="button" data-testid="signout" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main>
        <Outlet />
      </main>
    </div>
  );
}

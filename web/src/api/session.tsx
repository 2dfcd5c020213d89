// Who is signed in, from the Api's session (never from anything the browser stores itself):
// the cookie is HttpOnly, so the UI learns the roles by asking GET /auth/session.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { apiFetch, setCsrfToken, setUnauthorizedHandler } from "./client";

export interface SessionInfo {
  clientId: string;
  workspace: string;
  workspaceId: string;
  roles: string[];
  expiresAt: string;
  csrfToken: string;
}

type Role = "admin" | "engineer" | "analyst" | "ingest";

// Mirrors Api/Auth/PolicyNames.cs: roles nest where the work does.
const rolesPerPolicy: Record<Role, Role[]> = {
  admin: ["admin"],
  engineer: ["engineer", "admin"],
  analyst: ["analyst", "engineer", "admin"],
  ingest: ["ingest", "engineer", "admin"],
};

/** True when a session with these roles passes the Api's policy of that name. */
export function allows(roles: readonly string[], policy: Role): boolean {
  return rolesPerPolicy[policy].some((r) => roles.includes(r));
}

interface SessionState {
  session: SessionInfo | null;
  loading: boolean;
  signIn(clientId: string, clientSecret: string): Promise<void>;
  signOut(): Promise<void>;
  can(policy: Role): boolean;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [loading, setLoading] = useState(true);

  const adopt = useCallback((info: SessionInfo | null) => {
    setCsrfToken(info?.csrfToken);
    setSession(info);
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => adopt(null));
    apiFetch<SessionInfo>("/auth/session")
      .then(adopt)
      .catch(() => adopt(null))
      .finally(() => setLoading(false));
    return () => setUnauthorizedHandler(undefined);
  }, [adopt]);

  const signIn = useCallback(
    async (clientId: string, clientSecret: string) => {
      adopt(await apiFetch<SessionInfo>("/auth/session", { method: "POST", body: JSON.stringify({ clientId, clientSecret }) }));
    },
    [adopt],
  );

  const signOut = useCallback(async () => {
    try {
      await apiFetch<void>("/auth/session", { method: "DELETE" });
    } finally {
      adopt(null);
    }
  }, [adopt]);

  const value = useMemo<SessionState>(
    () => ({ session, loading, signIn, signOut, can: (policy) => !!session && allows(session.roles, policy) }),
    [session, loading, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) {
    throw new Error("useSession outside SessionProvider");
  }
  return state;
}

/** A fixed session, for component tests and for rendering a page as a given role. */
export function StaticSessionProvider({ session, children }: { session: SessionInfo | null; children: ReactNode }) {
  const value = useMemo<SessionState>(
    () => ({
      session,
      loading: false,
      signIn: async () => {},
      signOut: async () => {},
      can: (policy) => !!session && allows(session.roles, policy),
    }),
    [session],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

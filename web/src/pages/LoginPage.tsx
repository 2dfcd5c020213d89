// Sign-in with an API key, once: the Api answers with an HttpOnly session cookie, so the secret
// is sent a single time and never kept by the browser. With an external OpenID Connect issuer
// configured, a button sends the browser there instead; the Api runs the code exchange and sets
// the same cookie, so no token and no client secret ever reach this page.
import { useEffect, useState, type FormEvent } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router-dom";
import { api } from "../api/client";
import { useSession } from "../api/session";

interface Providers {
  apiKey: boolean;
  oidc?: { name: string; loginUrl: string } | null;
}

// An Api that cannot say (older, or the request failed) is offered what every Api had: a key.
const keyOnly: Providers = { apiKey: true, oidc: null };

export default function LoginPage() {
  const { session, signIn } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [clientId, setClientId] = useState("");
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState<Providers>();
  // Only a path on this site: an absolute URL in ?next= must not send the user elsewhere.
  const next = params.get("next")?.startsWith("/") && !params.get("next")?.startsWith("//") ? params.get("next")! : "/runs";

  useEffect(() => {
    let live = true;
    api
      .GET("/auth/session/providers")
      .then(({ data }) => live && setProviders(data ?? keyOnly))
      .catch(() => live && setProviders(keyOnly));
    return () => {
      live = false;
    };
  }, []);

  if (session) {
    return <Navigate to={next} replace />;
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(clientId.trim(), secret);
      navigate(next, { replace: true });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="login">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Ductus</h1>
        {providers?.oidc && (
          <a className="button" data-testid="login-oidc" href={`${providers.oidc.loginUrl}?returnUrl=${encodeURIComponent(next)}`}>
            Sign in with {providers.oidc.name}
          </a>
        )}
        {providers?.apiKey !== false && (
          <>
            {providers?.oidc && <p className="muted">or</p>}
            <p className="muted">With an API key (client id and secret). Admins create keys under Admin or with POST /api/keys.</p>
            <label>
              Client id
              <input data-testid="login-client-id" value={clientId} onChange={(e) => setClientId(e.target.value)} autoComplete="username" required />
            </label>
            <label>
              Secret
              <input data-testid="login-client-secret" type="password" value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="current-password" required />
            </label>
            {error && (
              <p className="state error" role="alert" data-testid="login-error">
                {error}
              </p>
            )}
            <button type="submit" data-testid="login-submit" disabled={busy}>
              {busy ? "Signing in…" : "Sign in"}
            </button>
          </>
        )}
      </form>
    </div>
  );
}

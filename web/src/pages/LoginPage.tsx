// Sign-in with an API key, once: the Api answers with an HttpOnly session cookie, so the secret
// is sent a single time and never kept by the browser.
import { useState, type FormEvent } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router-dom";
import { useSession } from "../api/session";

export default function LoginPage() {
  const { session, signIn } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [clientId, setClientId] = useState("");
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // Only a path on this site: an absolute URL in ?next= must not send the user elsewhere.
  const next = params.get("next")?.startsWith("/") && !params.get("next")?.startsWith("//") ? params.get("next")! : "/runs";

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
      </form>
    </div>
  );
}

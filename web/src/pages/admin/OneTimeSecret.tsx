// A new key's secret: the Api keeps only its hash, so this is the one time anyone sees it.
import { useState } from "react";

export function OneTimeSecret({ clientId, secret, testId, onDismiss }: { clientId: string; secret: string; testId: string; onDismiss: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="secret" role="status">
      <span>
        Client id <code data-testid={`${testId}-client-id`}>{clientId}</code>, secret
      </span>
      <code data-testid={testId}>{secret}</code>
      <button
        type="button"
        onClick={() => {
          void navigator.clipboard?.writeText(secret).then(() => setCopied(true));
        }}
      >
        {copied ? "Copied" : "Copy"}
      </button>
      <span>Copy it now: it cannot be shown again.</span>
      <button type="button" onClick={onDismiss}>
        Done
      </button>
    </div>
  );
}

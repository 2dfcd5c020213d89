// Follows a server-sent event stream with the session cookie. When the stream fails (no
// EventSource, a proxy that buffers, the endpoint missing) the caller polls instead, and the
// stream is tried again a little later.
import { useEffect, useRef, useState } from "react";

export type StreamMode = "connecting" | "live" | "polling" | "closed";

/** Event names the Api sends (`run`, `step`); unnamed events arrive as `message`. */
const eventNames = ["message", "run", "step", "status"];

export function useEventStream(
  url: string | null,
  onEvent: (name: string, data: unknown) => void,
  { retryMs = 30_000, endOn }: { retryMs?: number; endOn?: (name: string, data: unknown, lastEventId: string) => boolean } = {},
): StreamMode {
  const [mode, setMode] = useState<StreamMode>(url ? "connecting" : "closed");
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const ender = useRef(endOn);
  ender.current = endOn;

  useEffect(() => {
    if (!url) {
      setMode("closed");
      return;
    }
    if (typeof EventSource === "undefined") {
      setMode("polling");
      return;
    }
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;

    const open = () => {
      setMode("connecting");
      const es = new EventSource(url, { withCredentials: true });
      source = es;
      es.onopen = () => setMode("live");
      const listener = (e: Event) => {
        const message = e as MessageEvent<string>;
        let data: unknown = message.data;
        try {
          data = JSON.parse(message.data);
        } catch {
          // A non-JSON payload is passed on as text.
        }
        setMode("live");
        handler.current(e.type, data);
        if (ender.current?.(e.type, data, message.lastEventId)) {
          es.close();
          setMode("closed");
        }
      };
      for (const name of eventNames) {
        es.addEventListener(name, listener);
      }
      es.onerror = () => {
        // The browser would retry on its own; polling meanwhile keeps the page current.
        es.close();
        if (stopped) {
          return;
        }
        setMode("polling");
        retry = setTimeout(open, retryMs);
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [url, retryMs]);

  return mode;
}

export function LiveIndicator({ mode }: { mode: StreamMode }) {
  const text = mode === "live" ? "live" : mode === "polling" ? "polling" : mode === "connecting" ? "connecting" : "";
  if (!text) {
    return null;
  }
  return (
    <span className={`live-indicator ${mode}`} data-testid="live-indicator" data-mode={mode} title={mode === "polling" ? "The live stream is unavailable; refreshing every 10 s." : "Updates as runs change."}>
      <span className="dot" aria-hidden="true" /> {text}
    </span>
  );
}

// Two versions of a text side by side (@codemirror/merge), read-only, changes highlighted.
import { useEffect, useRef } from "react";
import { MergeView } from "@codemirror/merge";
import { yaml } from "@codemirror/lang-yaml";
import { EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { baseSetup } from "./CodeEditor";

export function MergeDiff({ a, b, testId, label }: { a: string; b: string; testId: string; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) {
      return;
    }
    const extensions = [baseSetup, yaml(), EditorState.readOnly.of(true), EditorView.editable.of(false)];
    const view = new MergeView({
      parent: host.current,
      a: { doc: a, extensions },
      b: { doc: b, extensions },
      collapseUnchanged: { margin: 3, minSize: 6 },
    });
    return () => view.destroy();
  }, [a, b]);
  return <div ref={host} className="merge-diff" data-testid={testId} role="region" aria-label={label} />;
}

// The one CodeMirror 6 setup of the app: the query console's SQL editor and the pipeline page's
// YAML spec use it, so keys, theme and behaviour stay the same in both. Pages that use it are
// lazy routes, which keeps CodeMirror out of the first bundle.
import { useEffect, useRef } from "react";
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { PostgreSQL, sql, type SQLNamespace } from "@codemirror/lang-sql";
import { yaml } from "@codemirror/lang-yaml";
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { Compartment, EditorState, Prec, type Extension } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, keymap, lineNumbers } from "@codemirror/view";

export type EditorLanguage = "sql" | "yaml";

/** Dataset name → its column names, for SQL completion. */
export type SqlSchema = Record<string, string[]>;

/**
 * SQL with completion of the workspace's datasets and their columns. DuckDB's dialect is
 * closest to PostgreSQL's among those lang-sql knows (keywords, `$1`-style placeholders).
 */
export function sqlLanguage(schema: SqlSchema): Extension {
  return sql({ dialect: PostgreSQL, schema: schema as SQLNamespace, upperCaseKeywords: true });
}

function language(lang: EditorLanguage, schema: SqlSchema | undefined): Extension {
  return lang === "sql" ? sqlLanguage(schema ?? {}) : yaml();
}

function editable(readOnly: boolean): Extension {
  return [EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)];
}

/** What both editors and the merge view share: highlighting, line numbers, a theme. */
export const baseSetup: Extension = [
  lineNumbers(),
  drawSelection(),
  bracketMatching(),
  syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
  EditorView.lineWrapping,
  EditorView.theme({
    "&": { fontSize: "0.9em", border: "1px solid var(--border)", borderRadius: "6px", background: "var(--panel)" },
    ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace" },
    "&.cm-focused": { outline: "2px solid var(--accent)" },
  }),
];

export interface CodeEditorProps {
  value: string;
  onChange?: (value: string) => void;
  language: EditorLanguage;
  readOnly?: boolean;
  schema?: SqlSchema;
  /** Ctrl/Cmd+Enter. */
  onRun?: () => void;
  testId: string;
  label: string;
  minHeight?: string;
}

export function CodeEditor({ value, onChange, language: lang, readOnly = false, schema, onRun, testId, label, minHeight = "8rem" }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const langSlot = useRef(new Compartment());
  const editSlot = useRef(new Compartment());
  // The latest callbacks, so the editor is created once and never sees stale ones.
  const latest = useRef({ onChange, onRun });
  latest.current = { onChange, onRun };

  useEffect(() => {
    if (!host.current) {
      return;
    }
    const runKeys = Prec.highest(
      keymap.of([
        {
          key: "Mod-Enter",
          run: () => {
            latest.current.onRun?.();
            return true;
          },
        },
      ]),
    );
    const created = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          runKeys,
          baseSetup,
          history(),
          indentOnInput(),
          closeBrackets(),
          highlightActiveLine(),
          autocompletion({ activateOnTyping: true }),
          keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, indentWithTab]),
          langSlot.current.of(language(lang, schema)),
          editSlot.current.of(editable(readOnly)),
          EditorView.contentAttributes.of({ "aria-label": label }),
          EditorView.theme({ ".cm-content, .cm-gutter": { minHeight } }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) {
              latest.current.onChange?.(update.state.doc.toString());
            }
          }),
        ],
      }),
    });
    view.current = created;
    return () => {
      created.destroy();
      view.current = null;
    };
    // Created once; the effects below keep it in step with the props.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const current = view.current;
    if (current && current.state.doc.toString() !== value) {
      current.dispatch({ changes: { from: 0, to: current.state.doc.length, insert: value } });
    }
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({ effects: langSlot.current.reconfigure(language(lang, schema)) });
  }, [lang, schema]);

  useEffect(() => {
    view.current?.dispatch({ effects: editSlot.current.reconfigure(editable(readOnly)) });
  }, [readOnly]);

  return <div ref={host} className={`code-editor${readOnly ? " read-only" : ""}`} data-testid={testId} data-readonly={readOnly} />;
}

/** Moves the cursor of the editor inside `host` to a line and focuses it (validation errors). */
export function revealLine(host: HTMLElement | null, line: number): void {
  const element = host?.querySelector(".cm-editor");
  const found = element instanceof HTMLElement ? EditorView.findFromDOM(element) : null;
  if (!found) {
    return;
  }
  const target = found.state.doc.line(Math.min(Math.max(line, 1), found.state.doc.lines));
  found.dispatch({ selection: { anchor: target.from }, scrollIntoView: true });
  found.focus();
}

import { CompletionContext, type CompletionResult, type CompletionSource } from "@codemirror/autocomplete";
import { EditorState } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { sqlLanguage } from "./CodeEditor";

async function complete(doc: string): Promise<string[]> {
  const state = EditorState.create({ doc, extensions: sqlLanguage({ flights: ["origin", "delay"], airports: ["iata", "name"] }) });
  const sources = state.languageDataAt<CompletionSource>("autocomplete", doc.length);
  const labels: string[] = [];
  for (const source of sources) {
    const result = (await source(new CompletionContext(state, doc.length, true))) as CompletionResult | null;
    labels.push(...(result?.options.map((o) => o.label) ?? []));
  }
  return labels;
}

describe("sqlLanguage", () => {
  it("completes the workspace's dataset names", async () => {
    const labels = await complete("SELECT * FROM fl");
    expect(labels).toContain("flights");
    expect(labels).toContain("airports");
  });

  it("completes a dataset's columns after its name", async () => {
    const labels = await complete("SELECT flights.");
    expect(labels).toEqual(expect.arrayContaining(["origin", "delay"]));
    expect(labels).not.toContain("iata");
  });
});

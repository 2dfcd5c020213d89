// Writes a rule's new definition into a pipeline spec's text, keeping everything else as the
// author wrote it (comments, key order, flow style) — the what-if's "apply to pipeline".
import { isScalar, isSeq, parse, parseDocument, Scalar, type Document } from "yaml";

/** What the rejects summary says about a rule: enough to find it in the spec. */
export interface RuleRef {
  rule: string;
  column?: string | null;
  check?: string | null;
}

export class SpecEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpecEditError";
  }
}

/** The column and check of a rule: from the summary, or from its name (`iata.pattern`). */
export function ruleTarget(ref: RuleRef): { column: string | null; check: string } {
  if (ref.check && ref.check !== "sql" && ref.check !== "unique_key" && ref.check !== "parse") {
    const dot = ref.rule.lastIndexOf(".");
    return { column: ref.column ?? (dot > 0 ? ref.rule.slice(0, dot) : null), check: ref.check };
  }
  if (ref.check) {
    return { column: null, check: ref.check };
  }
  if (ref.rule === "unique_key" || ref.rule === "parse") {
    return { column: null, check: ref.rule };
  }
  const dot = ref.rule.lastIndexOf(".");
  return dot > 0 ? { column: ref.rule.slice(0, dot), check: ref.rule.slice(dot + 1) } : { column: null, check: "sql" };
}

/** The definition text as the value the spec holds for that check (numbers, booleans, lists). */
export function definitionValue(check: string, text: string): unknown {
  const trimmed = text.trim();
  switch (check) {
    case "min":
    case "max":
      return trimmed !== "" && Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed;
    case "max_length": {
      const n = Number(trimmed);
      if (!Number.isInteger(n) || n < 0) throw new SpecEditError(`max_length must be a whole number, not '${text}'.`);
      return n;
    }
    case "required":
    case "unique":
      if (trimmed !== "true" && trimmed !== "false") throw new SpecEditError(`${check} must be true or false, not '${text}'.`);
      return trimmed === "true";
    case "accepted_values":
    case "unique_key":
      return list(trimmed);
    default:
      return text;
  }
}

function list(text: string): unknown[] {
  if (text.startsWith("[")) {
    const value: unknown = parse(text);
    if (!Array.isArray(value)) throw new SpecEditError(`Expected a list, not '${text}'.`);
    return value;
  }
  return text.split(",").map((v) => v.trim()).filter((v) => v !== "");
}

/**
 * Returns the spec text with the rule's definition replaced. The text may be YAML or JSON (a
 * JSON spec stays JSON). Throws SpecEditError when the rule is not in the spec or cannot be edited.
 */
export function applyRuleDefinition(specText: string, ref: RuleRef, definition: string): string {
  const doc = parseDocument(specText, { keepSourceTokens: false });
  if (doc.errors.length > 0) {
    throw new SpecEditError(`The spec does not parse: ${doc.errors[0]!.message}`);
  }
  const { column, check } = ruleTarget(ref);
  if (check === "parse") {
    throw new SpecEditError("Parse failures come from the source file, not from a rule: there is no definition to change.");
  }
  let path: (string | number)[];
  let value: unknown;
  if (check === "sql") {
    path = ["contract", "rules", ruleIndex(doc, ref.rule), "sql"];
    value = definition;
  } else if (check === "unique_key") {
    path = ["contract", "unique_key"];
    value = definitionValue(check, definition);
  } else {
    if (!column) throw new SpecEditError(`Rule '${ref.rule}' names no column.`);
    path = ["contract", "columns", column, check];
    value = definitionValue(check, definition);
  }
  if (specText.trimStart().startsWith("{")) {
    doc.setIn(path, value);
    return `${JSON.stringify(doc.toJS(), null, 2)}\n`;
  }
  return spliceScalar(specText, doc, path, value) ?? restringify(doc, path, value);
}

/**
 * Replaces only the characters of the old value when it is a scalar, so every other byte of
 * the author's text (alignment, flow style, comments) stays as it was. Null when that cannot
 * be done safely; the result is re-parsed to prove it holds the new value.
 */
function spliceScalar(text: string, doc: Document, path: (string | number)[], value: unknown): string | null {
  const node = doc.getIn(path, true);
  if (!isScalar(node) || !node.range || (value !== null && typeof value === "object")) {
    return null;
  }
  const [start, end] = node.range;
  const spliced = text.slice(0, start) + scalarText(value, node.type) + text.slice(end);
  const check = parseDocument(spliced);
  return check.errors.length === 0 && JSON.stringify(check.getIn(path)) === JSON.stringify(value) ? spliced : null;
}

function scalarText(value: unknown, style: Scalar["type"]): string {
  if (typeof value !== "string") {
    return String(value);
  }
  if (style === Scalar.QUOTE_SINGLE) {
    return `'${value.replaceAll("'", "''")}'`;
  }
  if (style === Scalar.PLAIN && /^[A-Za-z_][A-Za-z0-9_ .\/-]*$/.test(value) && !/ $/.test(value)) {
    return value;
  }
  return JSON.stringify(value);
}

function restringify(doc: Document, path: (string | number)[], value: unknown): string {
  setValue(doc, path, value);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function ruleIndex(doc: Document, name: string): number {
  const rules = doc.getIn(["contract", "rules"], true);
  if (isSeq(rules)) {
    const index = rules.items.findIndex((item) => {
      const n = (item as { get?: (k: string) => unknown }).get?.("name");
      return n === name;
    });
    if (index >= 0) return index;
  }
  throw new SpecEditError(`The spec has no row rule named '${name}' under contract.rules.`);
}

function setValue(doc: Document, path: (string | number)[], value: unknown) {
  const node = doc.getIn(path, true);
  // Changing the scalar in place keeps its comment; lists and new keys get new nodes.
  if (isScalar(node) && (value === null || typeof value !== "object")) {
    node.value = value;
  } else {
    doc.setIn(path, doc.createNode(value, { flow: isSeq(node) ? node.flow : true }));
  }
}

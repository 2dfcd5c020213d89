// Where a validation error's path (contract.columns.iata.pattern, metrics[1].column) sits in
// the YAML text, so the page can point at the line.
import { isNode, parseDocument } from "yaml";

function segments(path: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const part of path.split(".")) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) {
      parts.push(part);
      continue;
    }
    if (match[1]) {
      parts.push(match[1]);
    }
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) {
      parts.push(Number(index[1]));
    }
  }
  return parts;
}

/** The 1-based line of the path's node, or of its nearest ancestor present; null when none is. */
export function lineOfPath(text: string, path: string): number | null {
  if (!path || path.startsWith("(")) {
    return null;
  }
  let doc;
  try {
    doc = parseDocument(text);
  } catch {
    return null;
  }
  const parts = segments(path);
  for (let length = parts.length; length > 0; length--) {
    const node: unknown = doc.getIn(parts.slice(0, length), true);
    if (isNode(node) && node.range) {
      return text.slice(0, node.range[0]).split("\n").length;
    }
  }
  return null;
}

import { describe, expect, it } from "vitest";
import { allows } from "./session";

describe("allows", () => {
  it("nests roles the way the Api's policies do", () => {
    expect(allows(["analyst"], "analyst")).toBe(true);
    expect(allows(["analyst"], "engineer")).toBe(false);
    expect(allows(["engineer"], "analyst")).toBe(true);
    expect(allows(["engineer"], "admin")).toBe(false);
    expect(allows(["admin"], "engineer")).toBe(true);
    expect(allows(["ingest"], "analyst")).toBe(false);
  });
});

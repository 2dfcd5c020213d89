import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { applyRuleDefinition, definitionValue, ruleTarget, SpecEditError } from "./specEdit";

const airports = `# US airports by IATA code
name: airports
source:
  kind: csv
  path: vega/airports.csv
contract:
  policy: quarantine
  unique_key: [iata]
  columns:
    iata:      { type: varchar, required: true, pattern: '^[A-Z0-9]{3}$', description: IATA airport code }
    state:     { type: varchar, max_length: 2 }
    latitude:  { type: double, required: true, min: -90, max: 90 }
  rules:
    - name: known_country
      sql: country = 'USA'   # most rows
    - name: named
      sql: name IS NOT NULL
target:
  dataset: airports
schedule: "0 */10 * * * ?"  # every ten minutes
`;

describe("applyRuleDefinition", () => {
  it("changes a column check and keeps the comments and layout", () => {
    const out = applyRuleDefinition(airports, { rule: "iata.pattern", column: "iata", check: "pattern" }, "^[A-Z0-9]{3,4}$");
    expect((parse(out) as { contract: { columns: { iata: { pattern: string } } } }).contract.columns.iata.pattern).toBe("^[A-Z0-9]{3,4}$");
    expect(out).toContain("# US airports by IATA code");
    expect(out).toContain("# every ten minutes");
    expect(out).toContain("# most rows");
    // Only the value's characters changed: alignment, flow style and quoting stay the author's.
    expect(out).toBe(airports.replace("'^[A-Z0-9]{3}$'", () => "'^[A-Z0-9]{3,4}$'"));
  });

  it("writes numbers, booleans and lists as such", () => {
    const min = parse(applyRuleDefinition(airports, { rule: "latitude.min", check: "min" }, "-91")) as { contract: { columns: { latitude: { min: unknown } } } };
    expect(min.contract.columns.latitude.min).toBe(-91);
    const len = parse(applyRuleDefinition(airports, { rule: "state.max_length" }, "3")) as { contract: { columns: { state: { max_length: unknown } } } };
    expect(len.contract.columns.state.max_length).toBe(3);
    const values = parse(applyRuleDefinition(airports, { rule: "state.accepted_values", column: "state", check: "accepted_values" }, "CA, NY, TX")) as {
      contract: { columns: { state: { accepted_values: unknown } } };
    };
    expect(values.contract.columns.state.accepted_values).toEqual(["CA", "NY", "TX"]);
    const key = parse(applyRuleDefinition(airports, { rule: "unique_key", check: "unique_key" }, "[iata, state]")) as { contract: { unique_key: unknown } };
    expect(key.contract.unique_key).toEqual(["iata", "state"]);
  });

  it("changes a row rule's sql, found by its name", () => {
    const out = applyRuleDefinition(airports, { rule: "known_country", column: null, check: "sql" }, "country IN ('USA', 'PRI')");
    const spec = parse(out) as { contract: { rules: { name: string; sql: string }[] } };
    expect(spec.contract.rules).toEqual([
      { name: "known_country", sql: "country IN ('USA', 'PRI')" },
      { name: "named", sql: "name IS NOT NULL" },
    ]);
    expect(out).toBe(airports.replace("sql: country = 'USA'", `sql: "country IN ('USA', 'PRI')"`));
  });

  it("refuses what it cannot edit", () => {
    expect(() => applyRuleDefinition(airports, { rule: "missing_rule", check: "sql" }, "true")).toThrow(/no row rule named 'missing_rule'/);
    expect(() => applyRuleDefinition(airports, { rule: "parse", check: "parse" }, "x")).toThrow(SpecEditError);
    expect(() => applyRuleDefinition(airports, { rule: "state.max_length" }, "two")).toThrow(/whole number/);
    expect(() => applyRuleDefinition("name: [unclosed", { rule: "a.min" }, "1")).toThrow(/does not parse/);
  });

  it("keeps a JSON spec JSON", () => {
    const json = JSON.stringify({ name: "x", contract: { columns: { delay: { type: "integer", max: 2880 } } }, target: { dataset: "x" } });
    const out = applyRuleDefinition(json, { rule: "delay.max", column: "delay", check: "max" }, "3000");
    expect(JSON.parse(out)).toEqual({ name: "x", contract: { columns: { delay: { type: "integer", max: 3000 } } }, target: { dataset: "x" } });
  });
});

describe("ruleTarget and definitionValue", () => {
  it("reads the column and check from the rule name when the summary gives none", () => {
    expect(ruleTarget({ rule: "iata.pattern" })).toEqual({ column: "iata", check: "pattern" });
    expect(ruleTarget({ rule: "different_airports" })).toEqual({ column: null, check: "sql" });
    expect(ruleTarget({ rule: "unique_key" })).toEqual({ column: null, check: "unique_key" });
  });

  it("keeps dates as text for min and max", () => {
    expect(definitionValue("min", "2020-01-01")).toBe("2020-01-01");
    expect(definitionValue("required", "false")).toBe(false);
    expect(() => definitionValue("unique", "yes")).toThrow(SpecEditError);
  });
});

using Ductus.Core.Lake;
using Ductus.Core.Specs;

namespace Ductus.Tests.Unit.Specs;

public sealed class SpecParserTests
{
    private static readonly string ExampleYaml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "flights.yaml"));

    [Fact]
    public void The_example_spec_from_the_issue_parses_unchanged()
    {
        var result = SpecParser.ParseYaml(ExampleYaml);

        Assert.Empty(result.Errors);
        var spec = Assert.IsType<PipelineSpec>(result.Spec);
        Assert.Equal("flights", spec.Name);
        Assert.Equal(SourceKind.Parquet, spec.Source.Kind);
        Assert.Equal("vega/flights-3m.parquet", spec.Source.Path);
        Assert.StartsWith("SELECT date AS departed_at", spec.Transform, StringComparison.Ordinal);
        var contract = Assert.IsType<ContractSpec>(spec.Contract);
        Assert.Equal(ContractPolicy.Quarantine, contract.Policy);
        Assert.Equal(0.05, contract.MaxRejectRatio);
        Assert.Equal(["departed_at", "delay", "distance", "origin", "destination"], contract.Columns.Select(c => c.Name));
        var delay = contract.Columns[1];
        Assert.Equal(("integer", "-1440", "2880"), (delay.Type, delay.Min, delay.Max));
        Assert.Equal("miles", contract.Columns[2].Description);
        Assert.Equal("^[A-Z]{3}$", contract.Columns[3].Pattern);
        Assert.True(contract.Columns[3].Required);
        Assert.Equal(new RowRule("different_airports", "origin <> destination"), Assert.Single(contract.Rules));
        Assert.Equal(("flights", WriteMode.Append), (spec.Target.Dataset, spec.Target.Mode));
        Assert.Equal("0 0 * * * ?", spec.Schedule);
        Assert.Equal(new RetrySpec(3, TimeSpan.FromSeconds(30)), spec.Retries);
        Assert.Equal(TimeSpan.FromMinutes(30), spec.Timeout);
    }

    [Fact]
    public void The_same_spec_as_snake_case_json_gives_the_same_model()
    {
        const string json = """
            {
              "name": "flights",
              "description": "US domestic flights, first half of 2001",
              "source": { "kind": "parquet", "path": "vega/flights-3m.parquet" },
              "transform": "SELECT date AS departed_at, delay, distance, origin, destination FROM source\n",
              "contract": {
                "policy": "quarantine",
                "max_reject_ratio": 0.05,
                "columns": {
                  "departed_at": { "type": "timestamp", "required": true },
                  "delay": { "type": "integer", "min": -1440, "max": 2880 },
                  "distance": { "type": "integer", "min": 1, "description": "miles" },
                  "origin": { "type": "varchar", "required": true, "pattern": "^[A-Z]{3}$" },
                  "destination": { "type": "varchar", "required": true, "pattern": "^[A-Z]{3}$" }
                },
                "rules": [ { "name": "different_airports", "sql": "origin <> destination" } ]
              },
              "target": { "dataset": "flights", "mode": "append" },
              "schedule": "0 0 * * * ?",
              "retries": { "max": 3, "backoff": "30s" },
              "timeout": "30m"
            }
            """;

        var fromJson = SpecParser.ParseJson(json);
        var fromYaml = SpecParser.ParseYaml(ExampleYaml);

        Assert.Empty(fromJson.Errors);
        var a = fromJson.Spec!;
        var b = fromYaml.Spec!;
        Assert.Equal(b with { Tags = a.Tags, Source = a.Source, Contract = a.Contract, Target = a.Target }, a);
        Assert.Equal(b.Tags, a.Tags);
        Assert.Equal(b.Source with { Columns = a.Source.Columns }, a.Source);
        Assert.Equal(b.Contract!.Columns, a.Contract!.Columns.Select((c, i) => c with { AcceptedValues = b.Contract.Columns[i].AcceptedValues }));
        Assert.Equal(b.Contract.Rules, a.Contract.Rules);
        Assert.Equal(b.Contract.MaxRejectRatio, a.Contract.MaxRejectRatio);
    }

    [Fact]
    public void A_spec_written_as_json_reads_back_to_the_same_spec()
    {
        var yaml = SpecParser.ParseYaml(ExampleYaml.Replace("  mode: append", "  mode: merge\n  key: [departed_at, origin]", StringComparison.Ordinal)
            + "\n").Spec!;

        var json = SpecWriter.ToJson(yaml);
        var back = SpecParser.ParseJson(json);

        Assert.Empty(back.Errors);
        Assert.Contains("\"max_reject_ratio\": 0.05", json, StringComparison.Ordinal);
        Assert.Contains("\"min\": -1440", json, StringComparison.Ordinal);
        Assert.Contains("\"timeout\": \"30m\"", json, StringComparison.Ordinal);
        Assert.Equal(SpecWriter.ToJson(back.Spec!), json);
        Assert.Equal(["departed_at", "origin"], back.Spec!.Target.Key);
        Assert.Equal(yaml.Contract!.Columns, back.Spec.Contract!.Columns);
    }

    [Fact]
    public void Yaml_type_errors_become_path_errors_not_exceptions()
    {
        var result = SpecParser.ParseYaml("""
            name: flights
            source: { kind: csv, path: a.csv, header: maybe }
            contract:
              max_reject_ratio: lots
              min_rows: 1.5
              columns:
                delay: { min: abc, required: [1, 2] }
                origin: 5
            target: { dataset: flights, mode: upsert }
            timeout: forever
            retries: { max: 3, backoff: soon }
            """);

        Assert.NotNull(result.Spec);
        Assert.Equal(
            Sorted(
                "source.header: must be true or false, not 'maybe'",
                "contract.max_reject_ratio: must be a number, not 'lots'",
                "contract.min_rows: must be a whole number, not '1.5'",
                "contract.columns.delay.required: must be a single value, not a list or mapping",
                "contract.columns.origin: must be a mapping (type, required, min, ...)",
                "target.mode: 'upsert' is not one of: append, replace, merge, incremental",
                "retries.backoff: 'soon' is not a duration (use e.g. 500ms, 30s, 30m, 2h, 1d, 1h30m)",
                "timeout: 'forever' is not a duration (use e.g. 500ms, 30s, 30m, 2h, 1d, 1h30m)"),
            result.Errors.Select(e => e.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Unknown_keys_are_reported_with_a_suggestion()
    {
        var result = SpecParser.ParseYaml("""
            name: flights
            source: { kind: csv, path: a.csv, delimeter: ";" }
            contract: { maxRejectRatio: 0.1 }
            target: { dataset: flights }
            steward: me
            """);

        Assert.Equal(
            Sorted(
                "source.delimeter: unknown key (expected one of: kind, path, delimiter, quote, header, columns, compression, url, headers, auth, records, pagination, connection, query, dataset, sql, driving)",
                "contract.maxRejectRatio: unknown key, did you mean 'max_reject_ratio'?",
                "steward: unknown key (expected one of: name, description, owner, tags, source, transform, contract, target, schedule, retries, freshness, timeout, incremental, on, memory_limit, schema_evolution)"),
            result.Errors.Select(e => e.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Yaml_syntax_errors_say_where()
    {
        var result = SpecParser.ParseYaml("name: [unclosed\nsource: x");

        Assert.Null(result.Spec);
        var error = Assert.Single(result.Errors);
        Assert.Equal("(document)", error.Path);
        Assert.Contains("YAML", error.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Sorted(params string[] errors) => errors.Order(StringComparer.Ordinal);

    [Fact]
    public void Spec_error_prints_path_then_message()
    {
        Assert.Equal("source.path: file not found", new SpecError("source.path", "file not found").ToString());
    }
}

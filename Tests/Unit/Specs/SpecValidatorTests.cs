using Ductus.Core.Specs;

namespace Ductus.Tests.Unit.Specs;

public sealed class SpecValidatorTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "ductus-spec-" + Guid.NewGuid().ToString("N"));
    private readonly string root;
    private readonly SourceRoots roots;

    public SpecValidatorTests()
    {
        root = Path.Combine(folder, "data");
        Directory.CreateDirectory(Path.Combine(root, "vega"));
        File.WriteAllText(Path.Combine(root, "vega", "flights-3m.parquet"), "stand-in: the validator only checks that the file exists");
        File.WriteAllText(Path.Combine(root, "a.csv"), "x\n1\n");
        roots = new SourceRoots(root);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void The_example_spec_is_valid_when_its_file_is_under_the_root()
    {
        var yaml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "flights.yaml"));

        Assert.Empty(SpecValidator.ValidateYaml(yaml, roots));
    }

    [Fact]
    public void A_malformed_spec_gets_all_its_errors_with_paths()
    {
        var errors = SpecValidator.ValidateYaml("""
            name: Flights!
            source:
              kind: parquet
              path: vega/missing.parquet
              delimiter: ";;"
            transform: "SELECT * FROM source"
            contract:
              policy: quarantine
              max_reject_ratio: 1.5
              columns:
                delay: { type: integer, min: abc, max: 10 }
                origin: { type: varchar, pattern: '^[A-Z{3}$', min: 1 }
                when: { type: datetime }
                _ductus_run_id: { type: varchar }
              rules:
                - name: different_airports
                - name: Bad Name
                  sql: "1 = 1; DROP TABLE x"
            target:
              dataset: Flights-2001
              mode: merge
            schedule: "every hour"
            retries: { max: 3, backoff: 30x }
            timeout: 30m
            colour: blue
            """, roots).Select(e => e.ToString()).ToList();

        string[] expected =
        [
            "retries.backoff: '30x' is not a duration (use e.g. 500ms, 30s, 30m, 2h, 1d, 1h30m)",
            "colour: unknown key (expected one of: name, description, owner, tags, source, transform, contract, target, schedule, retries, freshness, timeout, incremental, on, memory_limit, schema_evolution)",
            "name: 'Flights!' must be 1-63 characters of a-z, 0-9, '_' or '-', starting with a letter",
            "source.path: file not found",
            "source.delimiter: applies to csv sources only",
            "contract.max_reject_ratio: must be between 0 and 1",
            "contract.columns.delay.min: must be a number, not 'abc'",
            "contract.columns.origin.min: applies to numbers, dates and times, not VARCHAR",
            "contract.columns.when.type: unknown type 'datetime' (expected one of: boolean, integer, bigint, int, smallint, double, float, number, varchar, string, text, date, time, timestamp, timestamptz, uuid, json, blob, decimal(p,s))",
            "contract.columns._ductus_run_id: names starting with _ductus_ are reserved for the lake's own columns",
            "contract.rules[0].sql: is required: a SQL boolean expression over the transformed columns",
            "contract.rules[1].name: 'Bad Name' must be a-z, 0-9 and '_', starting with a letter",
            "contract.rules[1].sql: must be one expression, without ';'",
            "target.dataset: 'Flights-2001' must be 1-63 characters of a-z, 0-9 and '_', starting with a letter",
            "target.key: is required when mode is merge",
        ];
        foreach (var error in expected)
        {
            Assert.Contains(error, errors);
        }

        Assert.Contains(errors, e => e.StartsWith("contract.columns.origin.pattern: is not a valid regular expression", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("schedule: 'every hour' is not a Quartz cron expression", StringComparison.Ordinal));
        Assert.Equal(expected.Length + 2, errors.Count);
    }

    [Theory]
    [InlineData("../outside.csv", "'..' is not allowed: paths must stay under the source roots")]
    [InlineData("vega/../../outside.csv", "'..' is not allowed: paths must stay under the source roots")]
    [InlineData("/etc/passwd", "absolute paths must be under a source root")]
    [InlineData("file:///etc/passwd", "only local paths under the source roots and http(s) URLs are supported")]
    [InlineData("nothing-here.csv", "file not found")]
    [InlineData("vega/*.csv", "no file matches")]
    public void Paths_outside_the_roots_or_missing_are_refused(string path, string message)
    {
        File.WriteAllText(Path.Combine(folder, "outside.csv"), "secret\n");

        var resolution = roots.Resolve(path);

        Assert.Equal(message, resolution.Error);
        Assert.Empty(resolution.Files);
    }

    [Fact]
    public void A_symlink_pointing_outside_the_roots_is_refused()
    {
        var secret = Path.Combine(folder, "secret.csv");
        File.WriteAllText(secret, "password\nhunter2\n");
        File.CreateSymbolicLink(Path.Combine(root, "innocent.csv"), secret);
        Directory.CreateSymbolicLink(Path.Combine(root, "etc"), "/etc");

        // A link out of the roots counts as no file: a glob skips it, a path to it is not found.
        Assert.Equal("file not found", roots.Resolve("innocent.csv").Error);
        Assert.Equal("file not found", roots.Resolve("etc/hostname").Error);
        Assert.Equal([Path.Combine(root, "a.csv")], roots.Resolve("*.csv").Files);
        Assert.Equal("no file matches", roots.Resolve("etc/*").Error);
    }

    [Fact]
    public void A_path_outside_the_roots_gets_the_same_answer_whether_or_not_something_exists_there()
    {
        var outside = Path.Combine(folder, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "exists.csv"), "password\nhunter2\n");
        Directory.CreateSymbolicLink(Path.Combine(root, "out"), outside);
        File.CreateSymbolicLink(Path.Combine(root, "to-existing.csv"), Path.Combine(outside, "exists.csv"));
        File.CreateSymbolicLink(Path.Combine(root, "to-missing.csv"), Path.Combine(outside, "missing.csv"));

        string?[] Answers(params string[] paths) => [.. paths.Select(p => roots.Resolve(p).Error)];

        Assert.Equal(Answers("to-missing.csv", "never-there.csv"), Answers("to-existing.csv", "to-existing.csv"));
        Assert.Equal(Answers("out/missing.csv"), Answers("out/exists.csv"));
        Assert.Equal(Answers("out/*.parquet", "out/**/*.parquet"), Answers("out/*.csv", "out/**/*.csv"));
        Assert.Equal(Answers(Path.Combine(outside, "missing.csv")), Answers(Path.Combine(outside, "exists.csv")));
        Assert.All(Answers("to-existing.csv", "out/exists.csv", "out/*.csv", Path.Combine(outside, "exists.csv")), Assert.NotNull);
    }

    [Fact]
    public void Absolute_paths_inside_a_root_and_globs_resolve_to_files()
    {
        File.WriteAllText(Path.Combine(root, "vega", "b.csv"), "x\n");
        Directory.CreateDirectory(Path.Combine(root, "vega", "2001"));
        File.WriteAllText(Path.Combine(root, "vega", "2001", "c.csv"), "x\n");

        Assert.Equal([Path.Combine(root, "a.csv")], roots.Resolve(Path.Combine(root, "a.csv")).Files);
        Assert.Equal([Path.Combine(root, "vega", "b.csv")], roots.Resolve("vega/*.csv").Files);
        Assert.Equal([Path.Combine(root, "vega", "2001", "c.csv"), Path.Combine(root, "vega", "b.csv")], roots.Resolve("vega/**/*.csv").Files);
    }

    [Fact]
    public void Http_urls_are_allowed_and_other_schemes_are_not()
    {
        Assert.Equal(new Uri("https://example.org/flights.csv"), roots.Resolve("https://example.org/flights.csv").Url);
        Assert.Null(roots.Resolve("http://127.0.0.1:8080/x.csv").Error);
        Assert.NotNull(roots.Resolve("s3://bucket/x.csv").Error);
    }
}

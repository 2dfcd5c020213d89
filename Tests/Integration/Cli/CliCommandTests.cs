using System.Text.Json;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using Ductus.Cli;
using Ductus.Pipelines;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Cli;

/// <summary>
/// Every <c>ductus</c> command against the running stack: validate and run a spec, query what it
/// loaded in each format, list its runs and read its rejects, with the exit codes the docs promise.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed partial class CliCommandTests(StackFixture stack) : IDisposable
{
    private readonly string _folder = Path.Combine(stack.DataDirectory, "cli-" + Guid.NewGuid().ToString("N")[..8]);

    private string StackFile => Path.Combine(stack.DataDirectory, "stack.json");

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Every_command_answers_help_and_a_wrong_command_line_exits_2_naming_the_problem()
    {
        foreach (var command in DuctusCli.Commands)
        {
            var help = await DuctusCommand.RunAsync(command.Name, "--help");
            Assert.True(help.ExitCode == ExitCodes.Ok, help.ToString());
            Assert.StartsWith($"usage: ductus {command.Name}", help.Output, StringComparison.Ordinal);
            Assert.Contains("exit codes: 0 ok, 1 failed, 2 usage", help.Output, StringComparison.Ordinal);
        }

        var overview = await DuctusCommand.RunAsync("--help");
        Assert.Equal(ExitCodes.Ok, overview.ExitCode);
        Assert.All(DuctusCli.Commands, c => Assert.Contains($"  {c.Name} ", overview.Output, StringComparison.Ordinal));

        var cases = new (string[] Args, string Message)[]
        {
            ([], "usage: ductus COMMAND"),
            (["backups"], "unknown command 'backups'"),
            (["runs", "--limit", "0"], "--limit must be a whole number from 1 to 500, not '0'"),
            (["runs", "--pipelin", "x"], "Unknown option --pipelin"),
            (["rejects", "not-a-run"], "RUN_ID must be a run's id (a UUID), not 'not-a-run'"),
            (["query"], "Missing SQL"),
            (["query", "SELECT 1", "--format", "parquet"], "--format parquet writes a binary file: give it --out FILE"),
            (["query", "SELECT 1", "--format", "xml"], "--format must be one of json, csv, ndjson, parquet, not 'xml'"),
        };
        foreach (var (args, message) in cases)
        {
            var result = await DuctusCommand.RunAsync(args);
            Assert.True(result.ExitCode == ExitCodes.Usage, $"ductus {string.Join(' ', args)}: {result}");
            Assert.Contains(message, result.Output + result.Errors, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_a_stack_or_with_wrong_credentials_a_command_exits_3_and_says_why()
    {
        var missing = await DuctusCommand.RunAsync("backup", Path.Combine(_folder, "b"), "--stack", Path.Combine(_folder, "none.json"));
        Assert.Equal(ExitCodes.Unreachable, missing.ExitCode);
        Assert.Contains("There is no stack file", missing.Errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_folder, "b")), "a backup without a stack created its folder");

        var refused = await DuctusCommand.RunAsync(
            new Dictionary<string, string> { ["DUCTUS_CLIENT_SECRET"] = "not-the-key" },
            "runs", "--stack", StackFile);
        Assert.True(refused.ExitCode == ExitCodes.Unreachable, refused.ToString());
        Assert.Contains("refused the credentials of client 'admin'", refused.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_spec_is_validated_run_queried_listed_and_its_rejects_read_through_the_cli()
    {
        var name = "cli_" + Guid.NewGuid().ToString("N")[..8];
        var sources = Path.Combine(_folder, "data");
        Directory.CreateDirectory(sources);
        // Row 3 breaks the contract (amount min 0): it is rejected, the others load.
        await File.WriteAllTextAsync(Path.Combine(sources, "rows.csv"), "id,amount\n1,10\n2,20\n3,-5\n4,40\n");
        var spec = Path.Combine(_folder, name + ".yaml");
        await File.WriteAllTextAsync(spec, CsvPipeline.Spec(name, "rows.csv"));

        var valid = await DuctusCommand.RunAsync("validate", spec, "--source-root", sources);
        Assert.True(valid.ExitCode == ExitCodes.Ok, valid.ToString());
        Assert.Contains($"valid ({name} → {name}, append)", valid.Output, StringComparison.Ordinal);

        var run = await DuctusCommand.RunAsync("run", spec, "--source-root", sources, "--stack", StackFile);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains("succeeded (snapshot v1)", run.Output, StringComparison.Ordinal);
        Assert.Contains("rows read 4, loaded 3, rejected 1", run.Output, StringComparison.Ordinal);
        var runId = RunId().Match(run.Output).Groups[1].Value;

        var json = await DuctusCommand.RunAsync("query", $"SELECT id, amount FROM {name} ORDER BY id", "--stack", StackFile);
        Assert.True(json.ExitCode == ExitCodes.Ok, json.ToString());
        var rows = JsonDocument.Parse(json.Output).RootElement.GetProperty("rows");
        Assert.Equal("[[1,10],[2,20],[4,40]]", JsonSerializer.Serialize(rows));

        var csv = await DuctusCommand.RunAsync("query", $"SELECT id, amount FROM {name} ORDER BY id", "--format", "csv", "--stack", StackFile);
        Assert.True(csv.ExitCode == ExitCodes.Ok, csv.ToString());
        Assert.Equal("id,amount\n1,10\n2,20\n4,40\n", csv.Output.ReplaceLineEndings("\n"));

        var parquet = Path.Combine(_folder, "out.parquet");
        var file = await DuctusCommand.RunAsync("query", $"SELECT sum(amount) AS total FROM {name}", "--format", "parquet", "--out", parquet, "--stack", StackFile);
        Assert.True(file.ExitCode == ExitCodes.Ok, file.ToString());
        Assert.Contains($"bytes to {parquet}", file.Output, StringComparison.Ordinal);
        await using (var duck = new DuckDBConnection("Data Source=:memory:"))
        {
            await duck.OpenAsync();
            await using var read = duck.CreateCommand();
            read.CommandText = $"SELECT total FROM read_parquet('{parquet}')";
            Assert.Equal(70L, Convert.ToInt64(await read.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        }

        var runs = await DuctusCommand.RunAsync("runs", "--pipeline", name, "--stack", StackFile);
        Assert.True(runs.ExitCode == ExitCodes.Ok, runs.ToString());
        var lines = runs.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("RUN ", lines[0], StringComparison.Ordinal);
        Assert.Matches($@"^{runId}\s+{name}\s+succeeded\s+manual\s+4\s+3\s+1\s+v1\s", lines[1]);

        var rejects = await DuctusCommand.RunAsync("rejects", runId, "--stack", StackFile);
        Assert.True(rejects.ExitCode == ExitCodes.Ok, rejects.ToString());
        // A contract reject has no source line; its rule and message are what the table shows.
        Assert.Matches(@"\n-\s+amount\.min\s+amount", rejects.Output);

        var rejectsCsv = await DuctusCommand.RunAsync("rejects", runId, "--format", "csv", "--stack", StackFile);
        Assert.True(rejectsCsv.ExitCode == ExitCodes.Ok, rejectsCsv.ToString());
        Assert.Equal(2, rejectsCsv.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("-5", rejectsCsv.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failures_exit_1_with_the_problem_details_title_and_the_field_error()
    {
        var refused = await DuctusCommand.RunAsync("query", "SELECT * FROM no_such_dataset_here", "--stack", StackFile);
        Assert.True(refused.ExitCode == ExitCodes.Failed, refused.ToString());
        Assert.Contains("(400)", refused.Errors, StringComparison.Ordinal);
        Assert.Contains("sql: ", refused.Errors, StringComparison.Ordinal);
        Assert.Contains("no_such_dataset_here", refused.Errors, StringComparison.Ordinal);

        var unknownRun = await DuctusCommand.RunAsync("rejects", Guid.NewGuid().ToString(), "--stack", StackFile);
        Assert.True(unknownRun.ExitCode == ExitCodes.Failed, unknownRun.ToString());
        Assert.Contains("(404)", unknownRun.Errors, StringComparison.Ordinal);
        Assert.Contains("No run with this id in your workspace.", unknownRun.Errors, StringComparison.Ordinal);

        var invalid = Path.Combine(_folder, "invalid.yaml");
        Directory.CreateDirectory(_folder);
        await File.WriteAllTextAsync(invalid, "name: Bad Name\n");
        var validate = await DuctusCommand.RunAsync("validate", invalid);
        Assert.True(validate.ExitCode == ExitCodes.Failed, validate.ToString());
        Assert.Contains("error(s)", validate.Errors, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^run ([0-9a-f-]{36}) ", RegexOptions.Multiline)]
    private static partial Regex RunId();
}

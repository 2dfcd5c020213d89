using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Ductus.Core.Lake;
using Ductus.Pipelines.Engine;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Unit.Engine;

public sealed class RunEngineTests : IDisposable
{
    private static readonly string FlightsCsvSpec = FlightsTestSpec.Yaml();

    private readonly EngineScratch scratch = new();

    public void Dispose() => scratch.Dispose();

    [Fact]
    public async Task Bad_rows_are_rejected_with_their_rules_messages_and_values()
    {
        await using var output = await scratch.Engine.ExecuteAsync(EngineScratch.Parse(FlightsCsvSpec), scratch.Context(), CancellationToken.None);

        Assert.False(output.Failed, output.FailureReason);
        Assert.Equal(8, output.RowsRead);
        Assert.Equal(4, output.RowsLoaded);
        Assert.Equal(4, output.RowsRejected);

        var rejects = await ReadAllAsync(output);
        Assert.Equal(4, rejects.Count);
        var tooLate = Assert.Single(rejects, r => r.Rules.Contains("delay.max"));
        Assert.Equal(["delay.max"], tooLate.Rules);
        Assert.Equal("delay 3000 is above max 2880", tooLate.Message);
        using (var values = JsonDocument.Parse(tooLate.ValuesJson!))
        {
            Assert.Equal(3000, values.RootElement.GetProperty("delay").GetInt64());
            Assert.Equal("SFO", values.RootElement.GetProperty("origin").GetString());
        }

        var same = Assert.Single(rejects, r => r.Rules.Contains("different_airports"));
        Assert.Equal(["distance.min", "different_airports"], same.Rules);
        Assert.Equal("distance 0 is below min 1; different_airports failed: origin <> destination", same.Message);

        var lower = Assert.Single(rejects, r => r.Rules.Contains("origin.pattern"));
        Assert.Equal("origin 'sfo' does not match pattern ^[A-Z]{3}$", lower.Message);

        var missing = Assert.Single(rejects, r => r.Rules.Contains("destination.required"));
        Assert.Equal(["destination.required"], missing.Rules);
        Assert.Equal("destination is required", missing.Message);
        Assert.Contains("\"destination\":null", missing.ValuesJson, StringComparison.Ordinal);

        var file = Assert.Single(output.Files);
        Assert.Equal(4, file.Rows);
        Assert.Equal("-20", file.Stats["delay"].Min);
        Assert.Equal("45", file.Stats["delay"].Max);
        Assert.Equal(1, file.Stats["delay"].NullCount);
        Assert.Equal("BOS", file.Stats["origin"].Min);
        Assert.Equal(file.Bytes, output.BytesWritten);

        var distance = Assert.Single(output.Columns, c => c.Name == "distance");
        Assert.Equal("miles", distance.Description);
        Assert.Equal("BIGINT", distance.Type);
        Assert.True(Assert.Single(output.Columns, c => c.Name == "origin").Required);
        Assert.Equal(["extract", "transform", "contract", "load"], output.StepDurations.Keys);
    }

    [Fact]
    public async Task Parquet_written_has_the_run_columns_and_zstd_under_workspace_and_dataset()
    {
        var runId = Guid.NewGuid();
        await using var output = await scratch.Engine.ExecuteAsync(EngineScratch.Parse(FlightsCsvSpec), scratch.Context(runId), CancellationToken.None);

        var file = Assert.Single(output.Files);
        Assert.Equal($"ws1/flights/{runId}-0.parquet", file.RelativePath);
        var path = Path.Combine(scratch.Lake, file.RelativePath);
        Assert.True(File.Exists(path));
        Assert.Equal(new FileInfo(path).Length, file.Bytes);

        var runColumns = await EngineScratch.QueryAsync(
            $"SELECT DISTINCT _ductus_run_id, CAST(_ductus_loaded_at AS VARCHAR), typeof(_ductus_loaded_at), count(*) OVER () FROM read_parquet('{path}')",
            r => (RunId: r.GetString(0), LoadedAt: r.GetString(1), Type: r.GetString(2)));
        var single = Assert.Single(runColumns);
        Assert.Equal(runId.ToString(), single.RunId);
        Assert.StartsWith("2026-11-28 01:02:03", single.LoadedAt, StringComparison.Ordinal);
        Assert.Equal("TIMESTAMP WITH TIME ZONE", single.Type);

        var codecs = await EngineScratch.QueryAsync($"SELECT DISTINCT compression FROM parquet_metadata('{path}')", r => r.GetString(0));
        Assert.Equal(["ZSTD"], codecs);

        var loadedOrigins = await EngineScratch.QueryAsync($"SELECT origin FROM read_parquet('{path}') ORDER BY origin", r => r.GetString(0));
        Assert.Equal(["BOS", "DEN", "ORD", "SFO"], loadedOrigins);
        Assert.Contains(output.Columns, c => c is { Name: "_ductus_run_id", Type: "VARCHAR" });
    }

    [Theory]
    [InlineData("memory_limit: 128MB\n", "122.0 MiB")]
    [InlineData("", "244.1 MiB")] // the engine's default, 256MB in these tests
    public async Task A_spec_sets_its_runs_memory_limit_and_the_spill_folder_goes_with_the_run(string line, string setting)
    {
        var spec = EngineScratch.Parse(line + FlightsCsvSpec.Replace(
            "SELECT date AS departed_at", "SELECT current_setting('memory_limit') AS memory_limit, date AS departed_at", StringComparison.Ordinal));
        var runId = Guid.NewGuid();
        var scratchFolder = Path.Combine(Path.GetTempPath(), $"ductus-run-{runId:N}");
        await using (var output = await scratch.Engine.ExecuteAsync(spec, scratch.Context(runId), CancellationToken.None))
        {
            Assert.False(output.Failed, output.FailureReason);
            var file = Path.Combine(scratch.Lake, output.Files[0].RelativePath);
            var limits = await EngineScratch.QueryAsync($"SELECT DISTINCT memory_limit FROM read_parquet('{file}')", r => r.GetString(0));
            Assert.Equal([setting], limits);
            Assert.True(Directory.Exists(scratchFolder), "the run had no scratch folder of its own");
        }

        Assert.False(Directory.Exists(scratchFolder), "the run's scratch folder outlived the run");
    }

    [Fact]
    public async Task Policy_fail_fails_the_run_writes_no_files_and_keeps_the_rejects()
    {
        var spec = EngineScratch.Parse(FlightsCsvSpec.Replace("policy: quarantine", "policy: fail", StringComparison.Ordinal));
        await using var output = await scratch.Engine.ExecuteAsync(spec, scratch.Context(), CancellationToken.None);

        Assert.True(output.Failed);
        Assert.Equal("contract", output.FailedStep);
        Assert.Equal("policy fail: 4 of 8 rows broke the contract", output.FailureReason);
        Assert.Empty(output.Files);
        Assert.Equal(0, output.RowsLoaded);
        Assert.Empty(Directory.GetFiles(scratch.Lake, "*", SearchOption.AllDirectories));
        Assert.Equal(4, (await ReadAllAsync(output)).Count);
    }

    [Fact]
    public async Task Reject_ratio_above_the_maximum_fails_the_run_and_writes_no_files()
    {
        var spec = EngineScratch.Parse(FlightsCsvSpec.Replace("policy: quarantine", "policy: quarantine\n  max_reject_ratio: 0.25", StringComparison.Ordinal));
        await using var output = await scratch.Engine.ExecuteAsync(spec, scratch.Context(), CancellationToken.None);

        Assert.True(output.Failed);
        Assert.Equal("contract", output.FailedStep);
        Assert.Equal("reject ratio 0.5 exceeds max_reject_ratio 0.25", output.FailureReason);
        Assert.Empty(output.Files);
        Assert.Empty(Directory.GetFiles(scratch.Lake, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Reject_ratio_at_the_maximum_still_loads()
    {
        var spec = EngineScratch.Parse(FlightsCsvSpec.Replace("policy: quarantine", "policy: quarantine\n  max_reject_ratio: 0.5", StringComparison.Ordinal));
        await using var output = await scratch.Engine.ExecuteAsync(spec, scratch.Context(), CancellationToken.None);

        Assert.False(output.Failed, output.FailureReason);
        Assert.Equal(4, output.RowsLoaded);
    }

    [Fact]
    public async Task Row_count_range_fails_the_run_when_too_few_rows_pass()
    {
        var spec = EngineScratch.Parse(FlightsCsvSpec.Replace("policy: quarantine", "policy: quarantine\n  min_rows: 5", StringComparison.Ordinal));
        await using var output = await scratch.Engine.ExecuteAsync(spec, scratch.Context(), CancellationToken.None);

        Assert.True(output.Failed);
        Assert.Equal("min_rows 5 not met: 4 rows passed the contract", output.FailureReason);
        Assert.Empty(output.Files);
    }

    [Fact]
    public async Task Broken_csv_lines_are_rejected_with_line_numbers_and_raw_text()
    {
        var spec = EngineScratch.Parse("""
            name: broken
            source:
              kind: csv
              path: broken.csv
              header: true
              delimiter: ","
              columns: { id: integer, name: varchar, amount: integer }
            target:
              dataset: amounts
            """);
        await using var output = await scratch.Engine.ExecuteAsync(spec, scratch.Context(), CancellationToken.None);

        Assert.False(output.Failed, output.FailureReason);
        Assert.Equal(3, output.RowsLoaded);
        Assert.Equal(4, output.RowsRejected);
        Assert.Equal(7, output.RowsRead);

        var rejects = await ReadAllAsync(output);
        Assert.All(rejects, r => Assert.Equal(["parse"], r.Rules));
        Assert.All(rejects, r => Assert.Null(r.ValuesJson));
        Assert.Equal([4L, 5L, 6L, 7L], rejects.Select(r => r.Line ?? -1));
        Assert.Equal("3,\"gam\"ma,30", rejects[0].RawText);
        Assert.Contains("unterminated quote", rejects[0].Message, StringComparison.Ordinal);
        Assert.Equal("4,delta", rejects[1].RawText);
        Assert.Equal("Expected Number of Columns: 3 Found: 2", rejects[1].Message);
        Assert.Equal("6,zeta,notanumber", rejects[3].RawText);
        Assert.All(rejects, r => Assert.False(string.IsNullOrWhiteSpace(r.Message)));

        var path = Path.Combine(scratch.Lake, Assert.Single(output.Files).RelativePath);
        var names = await EngineScratch.QueryAsync($"SELECT name FROM read_parquet('{path}') ORDER BY id", r => r.GetString(0));
        Assert.Equal(["alpha", "beta, the second", "eta"], names);
    }

    [Fact]
    public async Task Replay_of_rejected_rows_loads_the_fixed_ones_and_rejects_the_rest_again()
    {
        var spec = EngineScratch.Parse(FlightsCsvSpec);
        List<RejectedRow> first;
        await using (var output = await scratch.Engine.ExecuteAsync(spec, scratch.Context(), CancellationToken.None))
        {
            first = await ReadAllAsync(output);
        }

        // The user fixed the late flight's delay; the other rejects are replayed unchanged.
        var replay = Path.Combine(scratch.Folder, "replay.ndjson");
        await File.WriteAllLinesAsync(replay, first.Select(r => r.ValuesJson!.Replace("\"delay\":3000", "\"delay\":30", StringComparison.Ordinal)));

        File.Delete(Path.Combine(scratch.Root, "flights.csv"));
        var replayRun = Guid.NewGuid();
        await using var again = await scratch.Engine.ExecuteAsync(spec, scratch.Context(replayRun, replay), CancellationToken.None);

        Assert.False(again.Failed, again.FailureReason);
        Assert.Equal(4, again.RowsRead);
        Assert.Equal(1, again.RowsLoaded);
        Assert.Equal(3, again.RowsRejected);
        var rules = (await ReadAllAsync(again)).SelectMany(r => r.Rules).Order(StringComparer.Ordinal);
        Assert.Equal(["destination.required", "different_airports", "distance.min", "origin.pattern"], rules);

        var path = Path.Combine(scratch.Lake, Assert.Single(again.Files).RelativePath);
        var loaded = await EngineScratch.QueryAsync($"SELECT delay, typeof(delay), typeof(departed_at) FROM read_parquet('{path}')", r => (r.GetInt64(0), r.GetString(1), r.GetString(2)));
        Assert.Equal([(30L, "BIGINT", "TIMESTAMP")], loaded);
    }

    [Fact]
    public async Task Http_source_is_downloaded_and_loaded()
    {
        var csv = await File.ReadAllBytesAsync(Path.Combine(scratch.Root, "flights.csv"));
        await using var server = new TestHttpServer(async context =>
        {
            context.Response.StatusCode = context.Request.Url!.AbsolutePath == "/files/flights.csv" ? 200 : 404;
            context.Response.ContentType = "text/csv";
            await context.Response.OutputStream.WriteAsync(csv);
        });

        var spec = EngineScratch.Parse(FlightsCsvSpec.Replace("path: flights.csv", $"path: {server.BaseUri}files/flights.csv", StringComparison.Ordinal));
        await using var output = await scratch.Engine.ExecuteAsync(spec, scratch.Context(), CancellationToken.None);

        Assert.False(output.Failed, output.FailureReason);
        Assert.Equal(4, output.RowsLoaded);
        Assert.Equal(4, output.RowsRejected);
        Assert.Equal(["/files/flights.csv"], server.Requests);
    }

    [Fact]
    public async Task Http_errors_fail_the_extract_step()
    {
        await using var server = new TestHttpServer(context =>
        {
            context.Response.StatusCode = 404;
            return Task.CompletedTask;
        });

        var spec = EngineScratch.Parse(FlightsCsvSpec.Replace("path: flights.csv", $"path: {server.BaseUri}missing.csv", StringComparison.Ordinal));
        await using var output = await scratch.Engine.ExecuteAsync(spec, scratch.Context(), CancellationToken.None);

        Assert.True(output.Failed);
        Assert.Equal("extract", output.FailedStep);
        Assert.Contains("404", output.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_over_its_timeout_fails_with_the_step_it_was_in()
    {
        // The source answers only when the test is over. The timeout leaves seconds for the steps
        // before the download: at 300 ms a loaded CI machine timed out before the request was sent,
        // and a server waiting for that request hung the whole test run.
        using var release = new CancellationTokenSource();
        var requested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new TestHttpServer(
            async context =>
            {
                requested.TrySetResult();
                try
                {
                    await Task.Delay(TimeSpan.FromMinutes(1), release.Token);
                }
                catch (OperationCanceledException)
                {
                    // The test is over; the client has gone.
                }
            },
            concurrent: true);

        var spec = EngineScratch.Parse(FlightsCsvSpec.Replace("path: flights.csv", $"path: {server.BaseUri}slow.csv", StringComparison.Ordinal) + "\ntimeout: 3s\n");
        await using var output = await scratch.Engine.ExecuteAsync(spec, scratch.Context(), CancellationToken.None);
        await release.CancelAsync();

        Assert.True(requested.Task.IsCompleted, $"the run ended before it asked the source for data: {output.FailedStep}: {output.FailureReason}");
        Assert.True(output.Failed);
        Assert.Equal("extract", output.FailedStep);
        Assert.Equal("timed out after 3s", output.FailureReason);
        Assert.Empty(output.Files);
    }

    [Fact]
    public async Task Ndjson_source_with_accepted_values_and_unique()
    {
        var spec = EngineScratch.Parse("""
            name: events
            source: { kind: ndjson, path: "*.ndjson" }
            contract:
              columns:
                id: { type: integer, unique: true }
                kind: { accepted_values: [click, view] }
                score: { max: 1 }
            target: { dataset: events }
            """);
        await using var output = await scratch.Engine.ExecuteAsync(spec, scratch.Context(), CancellationToken.None);

        Assert.False(output.Failed, output.FailureReason);
        Assert.Equal(1, output.RowsLoaded);
        var rejects = await ReadAllAsync(output);
        Assert.Equal(["score 1.5 is above max 1", "kind 'bogus' is not one of: click, view"], rejects.Select(r => r.Message).Order(StringComparer.Ordinal).Reverse());
    }

    [Fact]
    public async Task Gzipped_csv_with_type_length_and_unique_key_rules()
    {
        await using (var file = File.Create(Path.Combine(scratch.Root, "items.csv.gz")))
        await using (var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
        await using (var writer = new StreamWriter(gzip))
        {
            await writer.WriteAsync("code,qty\nA,1\nB,x\nA,3\nCC,4\nD,5\n,6\n,7\n");
        }

        var spec = EngineScratch.Parse("""
            name: items
            source: { kind: csv, path: "items.csv.gz" }
            contract:
              columns:
                code: { max_length: 1 }
                qty: { type: integer }
              unique_key: [code]
            target: { dataset: items }
            """);
        await using var output = await scratch.Engine.ExecuteAsync(spec, scratch.Context(), CancellationToken.None);

        Assert.False(output.Failed, output.FailureReason);
        Assert.Equal(7, output.RowsRead);
        Assert.Equal(3, output.RowsLoaded);
        var messages = (await ReadAllAsync(output)).Select(r => $"{string.Join(",", r.Rules)}: {r.Message}");
        Assert.Equal(
            [
                "code.max_length: code 'CC' is longer than 1 characters",
                "qty.type: qty 'x' is not a valid integer",
                "unique_key: key (code) = ('A') is not unique",
                "unique_key: key (code) = ('A') is not unique",
            ],
            messages.Order(StringComparer.Ordinal));
        Assert.Equal("BIGINT", Assert.Single(output.Columns, c => c.Name == "qty").Type);
    }

    [Fact]
    public async Task A_cancelled_run_throws_and_writes_nothing()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scratch.Engine.ExecuteAsync(EngineScratch.Parse(FlightsCsvSpec), scratch.Context(), cancelled.Token));
        Assert.Empty(Directory.GetFiles(scratch.Lake, "*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')", "Permission Error")]
    [InlineData("SELECT * FROM source; COPY (SELECT 1) TO '/tmp/ductus-escape.csv'", "single SELECT")]
    public async Task A_transform_cannot_reach_files_outside_the_roots(string transform, string expected)
    {
        var spec = EngineScratch.Parse(FlightsCsvSpec) with { Transform = transform };
        await using var output = await scratch.Engine.ExecuteAsync(spec, scratch.Context(), CancellationToken.None);

        Assert.True(output.Failed);
        Assert.Equal("transform", output.FailedStep);
        Assert.Contains(expected, output.FailureReason, StringComparison.Ordinal);
        Assert.False(File.Exists("/tmp/ductus-escape.csv"));
    }

    [Fact]
    public async Task An_invalid_spec_fails_in_the_validate_step_with_every_error()
    {
        var spec = EngineScratch.Parse(FlightsCsvSpec) with { Target = new() { Dataset = "Bad Name" }, Source = new() { Kind = Ductus.Core.Specs.SourceKind.Csv, Path = "../x.csv" } };
        await using var output = await scratch.Engine.ExecuteAsync(spec, scratch.Context(), CancellationToken.None);

        Assert.True(output.Failed);
        Assert.Equal("validate", output.FailedStep);
        Assert.Equal("source.path: '..' is not allowed: paths must stay under the source roots; target.dataset: 'Bad Name' must be 1-63 characters of a-z, 0-9 and '_', starting with a letter", output.FailureReason);
    }

    [Fact]
    public async Task Transform_errors_fail_the_transform_step()
    {
        var spec = EngineScratch.Parse(FlightsCsvSpec.Replace("FROM source", "FROM source WHERE no_such_column > 1", StringComparison.Ordinal));
        await using var output = await scratch.Engine.ExecuteAsync(spec, scratch.Context(), CancellationToken.None);

        Assert.True(output.Failed);
        Assert.Equal("transform", output.FailedStep);
        Assert.Contains("no_such_column", output.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Example_spec_from_the_issue_runs_over_a_flights_parquet()
    {
        Directory.CreateDirectory(Path.Combine(scratch.Root, "vega"));
        var parquet = Path.Combine(scratch.Root, "vega", "flights-3m.parquet");
        await EngineScratch.ExecAsync($"""
            COPY (
                SELECT TIMESTAMP '2001-01-01' + to_minutes(i) AS date,
                       CAST(CASE WHEN i = 7 THEN 5000 ELSE i % 60 - 10 END AS INTEGER) AS delay,
                       CAST(100 + i AS INTEGER) AS distance,
                       'SFO' AS origin,
                       CASE WHEN i % 100 = 0 THEN 'SFO' ELSE 'LAX' END AS destination
                FROM range(1000) t(i)
            ) TO '{parquet}' (FORMAT parquet)
            """);

        var yaml = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "TestData", "flights.yaml"));
        await using var output = await scratch.Engine.ExecuteAsync(EngineScratch.Parse(yaml), scratch.Context(), CancellationToken.None);

        Assert.False(output.Failed, output.FailureReason);
        Assert.Equal(1000, output.RowsRead);
        Assert.Equal(11, output.RowsRejected);
        Assert.Equal(989, output.RowsLoaded);
        Assert.Equal("BIGINT", Assert.Single(output.Columns, c => c.Name == "delay").Type);
        var rejects = await ReadAllAsync(output);
        var late = Assert.Single(rejects, r => r.Rules.Contains("delay.max"));
        Assert.Equal("delay 5000 is above max 2880", late.Message);
        Assert.Equal(10, rejects.Count(r => r.Rules.SequenceEqual(["different_airports"])));
    }

    private static async Task<List<RejectedRow>> ReadAllAsync(RunOutput output)
    {
        var rows = new List<RejectedRow>();
        await foreach (var row in output.ReadRejectsAsync(CancellationToken.None))
        {
            rows.Add(row);
        }

        return rows;
    }
}

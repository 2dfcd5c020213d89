using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Ductus.Core;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Integration.Api;
using Ductus.Tests.Integration.Ingest;
using Ductus.Tests.Integration.Query;
using Npgsql;

namespace Ductus.Tests.Integration.Faults;

/// <summary>The lake rows of the fault matrix: a full disk under a run or a compaction, a compaction cut by a PostgreSQL restart, damaged files under a committed snapshot.</summary>
[Collection(FaultStackDefinition.Name)]
public sealed class LakeFaultTests(FaultStackFixture stack)
{
    [Fact]
    public async Task A_full_lake_fails_the_run_clearly_leaves_no_files_and_the_next_run_after_freeing_space_succeeds()
    {
        var dataset = ApiLake.NewDatasetName();
        await ApiLake.LoadCsvAsync(stack, dataset, CsvPipeline.Rows(100));
        var folder = Path.Combine(stack.LakeRoot, "default", dataset);
        var filesBefore = Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToList();
        using var analyst = await stack.ClientForRoleAsync("analyst");

        var ballast = Path.Combine(stack.LakeRoot, $"ballast-{Guid.NewGuid():N}");
        try
        {
            // Really allocated (not a sparse file), leaving a few KB: far less than the run's Parquet file.
            var free = new DriveInfo(stack.LakeRoot).AvailableFreeSpace;
            await using (new FileStream(ballast, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, PreallocationSize = free - 8192 }))
            {
            }

            var failed = await ApiLake.RunCsvAsync(stack, dataset, CsvPipeline.Rows(50_000));

            Assert.Equal(RunStatus.Failed, failed.Status);
            Assert.Equal("load", failed.ErrorStep);
            Assert.Contains("No space left on device", failed.Error, StringComparison.Ordinal);
            Assert.Equal(filesBefore, Directory.GetFiles(folder).Order(StringComparer.Ordinal));
            var unchanged = await IngestTestKit.QueryAsync(analyst, $"SELECT count(*) FROM {dataset}");
            Assert.Equal(100, unchanged[0][0].GetInt64());
        }
        finally
        {
            File.Delete(ballast);
        }

        var next = await ApiLake.RunCsvAsync(stack, dataset, CsvPipeline.Rows(50_000));
        Assert.True(next.Status == RunStatus.Succeeded, $"the run after freeing space: {next.Status} in {next.ErrorStep}: {next.Error}");
        var rows = await IngestTestKit.QueryAsync(analyst, $"SELECT count(*) FROM {dataset}");
        Assert.Equal(50_100, rows[0][0].GetInt64());
    }

    [Fact]
    public async Task A_full_lake_fails_a_compaction_clearly_keeps_the_snapshot_and_the_next_compaction_after_freeing_space_succeeds()
    {
        var name = ApiLake.NewDatasetName();
        var csv = Path.Combine(stack.SourceRoot, $"{name}.csv");
        await File.WriteAllTextAsync(csv, CsvPipeline.Rows(BigRun));
        await using var db = NpgsqlDataSource.Create(CatalogRole.Adopt(stack.DatabaseConnectionString));
        var catalog = await stack.CatalogAsync(db);
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        await engineer.CreatePipelineAsync(CsvPipeline.Spec(name, $"{name}.csv"));

        // One file short of a compaction (the fault stack compacts every FaultStackFixture.CompactFilesPerTier files).
        for (var i = 1; i < FaultStackFixture.CompactFilesPerTier; i++)
        {
            await RunThroughServiceAsync(engineer, catalog, name);
        }

        var folder = Path.Combine(stack.LakeRoot, "default", name);
        var pipelines = stack.ProcessOf(Resources.Pipelines);
        var crashesBefore = stack.Watch.CrashReports.Count;
        using var logs = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var failureLogged = stack.LogLinesAsync(Resources.Pipelines, $"Compaction of default/{name} failed", "No space left on device", logs.Token);
        // The next run's file is tiny, the compaction's file as large as the big ones together: with
        // a few KB left, the run commits and the compaction it asks for cannot write.
        await File.WriteAllTextAsync(csv, "id,amount\n0,0\n");
        var ballast = Path.Combine(stack.LakeRoot, $"ballast-{Guid.NewGuid():N}");
        SnapshotDetail? before;
        try
        {
            var free = new DriveInfo(stack.LakeRoot).AvailableFreeSpace;
            await using (new FileStream(ballast, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, PreallocationSize = free - (64 * 1024) }))
            {
            }

            await RunThroughServiceAsync(engineer, catalog, name);
            before = await catalog.Datasets.GetSnapshotAsync(ApiLake.DefaultWorkspace, name, null);
            var failure = await failureLogged;
            Assert.Contains("No space left on device", failure, StringComparison.Ordinal);

            // Nothing of the compaction is visible: the run's snapshot is current, the folder holds its files only.
            var current = await catalog.Datasets.GetSnapshotAsync(ApiLake.DefaultWorkspace, name, null);
            Assert.Equal((FaultStackFixture.CompactFilesPerTier, SnapshotOperation.Append), (current!.Snapshot.Version, current.Snapshot.Operation));
            Assert.Equal(FilesOf(current), Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            var rows = await IngestTestKit.QueryAsync(analyst, $"SELECT count(*) FROM {name}");
            Assert.Equal(ExpectedRows(FaultStackFixture.CompactFilesPerTier), rows[0][0].GetInt64());
        }
        finally
        {
            File.Delete(ballast);
        }

        // The service carried on: the same process, healthy, no crash.
        Assert.Equal(pipelines, stack.ProcessOf(Resources.Pipelines));
        Assert.Equal(crashesBefore, stack.Watch.CrashReports.Count);
        using var worker = stack.App.CreateHttpClient(Resources.Pipelines);
        Assert.Equal("Healthy", await worker.GetStringAsync(new Uri("/health", UriKind.Relative)));

        // With space again, the next append's compaction folds the big files into one.
        await RunThroughServiceAsync(engineer, catalog, name);
        var compacted = await Eventually.Async(
            () => catalog.Datasets.GetSnapshotAsync(ApiLake.DefaultWorkspace, name, null),
            s => s!.Snapshot.Operation == SnapshotOperation.Compact,
            TimeSpan.FromSeconds(60),
            "the compaction after freeing space");
        Assert.Equal(ExpectedRows(FaultStackFixture.CompactFilesPerTier + 1), compacted!.Snapshot.RowCount);
        Assert.Contains(compacted.Files, f => Path.GetFileName(f.RelativePath).StartsWith("compact-", StringComparison.Ordinal));
        var after = await IngestTestKit.QueryAsync(analyst, $"SELECT count(*), count(DISTINCT id) FROM {name}");
        Assert.Equal((ExpectedRows(FaultStackFixture.CompactFilesPerTier + 1), (long)BigRun + 1), (after[0][0].GetInt64(), after[0][1].GetInt64()));
    }

    /// <summary>
    /// PostgreSQL stops (fast) while a compaction commits. Cut <c>before</c> its COMMIT, the
    /// compaction failed and left nothing. Cut <c>after</c> the server had its COMMIT (it waits
    /// for a synchronous standby that never answers, so the session ends with the commit made
    /// but never confirmed), the compaction is kept: its file is not deleted from under the
    /// snapshot that lists it.
    /// </summary>
    [Theory]
    [InlineData("before")]
    [InlineData("after")]
    public async Task Postgres_restarted_during_a_compaction_commit_leaves_it_whole_or_undone_and_the_next_compaction_commits(string cut)
    {
        var name = ApiLake.NewDatasetName();
        var csv = Path.Combine(stack.SourceRoot, $"{name}.csv");
        // Each run loads ids of its own, so a row read twice shows in count(DISTINCT id).
        Task SourceFor(int run) =>
            File.WriteAllTextAsync(csv, "id,amount\n" + string.Concat(Enumerable.Range((run * SmallRun) + 1, SmallRun).Select(i => $"{i},{i}\n")));
        await SourceFor(0);
        await using var db = NpgsqlDataSource.Create(CatalogRole.Adopt(stack.DatabaseConnectionString));
        var catalog = await stack.CatalogAsync(db);
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        await engineer.CreatePipelineAsync(CsvPipeline.Spec(name, $"{name}.csv"));

        var runs = 0;
        async Task RunAsync()
        {
            await SourceFor(runs++);
            await RunThroughServiceAsync(engineer, catalog, name);
        }

        // One file short of a compaction.
        while (runs < FaultStackFixture.CompactFilesPerTier - 1)
        {
            await RunAsync();
        }

        // The compaction the next append asks for will take the version after that append's. A
        // transaction that already holds that snapshot row makes the compaction's commit wait on
        // it, inside its own transaction: PostgreSQL goes away exactly while it commits.
        var appendVersion = (long)FaultStackFixture.CompactFilesPerTier;
        await using var squat = new NpgsqlConnection(Superuser);
        await squat.OpenAsync();
        await using var held = await squat.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand(
            """
            INSERT INTO snapshots (workspace_id, dataset, version, parent_version, operation, row_count, file_count, bytes, created_at)
            VALUES (@ws, @dataset, @version, @version - 1, 'compact', 0, 0, 0, now())
            """, squat, held))
        {
            hold.Parameters.AddWithValue("ws", ApiLake.DefaultWorkspace);
            hold.Parameters.AddWithValue("dataset", name);
            hold.Parameters.AddWithValue("version", appendVersion + 1);
            await hold.ExecuteNonQueryAsync();
        }

        var folder = Path.Combine(stack.LakeRoot, "default", name);
        var pipelines = stack.ProcessOf(Resources.Pipelines);
        var crashesBefore = stack.Watch.CrashReports.Count;
        using var logs = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var outcomeLogged = cut == "before"
            ? stack.LogLinesAsync(Resources.Pipelines, $"Compaction of default/{name} failed", AdminShutdown, logs.Token)
            : stack.LogLinesAsync(Resources.Pipelines, $"Compaction of default/{name} committed although the catalog went away before it said so", "is kept", logs.Token);
        await RunAsync();
        var appended = await catalog.Datasets.GetSnapshotAsync(ApiLake.DefaultWorkspace, name, null);
        Assert.Equal((appendVersion, SnapshotOperation.Append), (appended!.Snapshot.Version, appended.Snapshot.Operation));

        var compactor = await WaitingBackendAsync("wait_event_type = 'Lock' AND query LIKE '%INSERT INTO snapshots%'", "the compaction waiting in its commit");
        Assert.Single(Directory.GetFiles(folder, "compact-*"));
        // The Api caches the dataset at the append's version now, so a commit whose token never
        // moved would go on reading as that version there.
        Assert.Equal(appendVersion, await ApiVersionAsync(analyst, name));
        try
        {
            if (cut == "after")
            {
                // Every commit from now on waits for a standby that does not exist; the compaction's
                // is the only one due. Reset on disk (not reloaded) so the restarted server has none.
                await ExecuteAsync("ALTER SYSTEM SET synchronous_standby_names = 'ductus_no_such_standby'");
                await ExecuteAsync("SELECT pg_reload_conf()");
                await Eventually.Async(() => ExecuteAsync("SHOW synchronous_standby_names"), v => v is "ductus_no_such_standby", TimeSpan.FromSeconds(30), "the setting reloaded");
                await held.RollbackAsync();
                Assert.Equal(compactor, await WaitingBackendAsync($"pid = {compactor} AND wait_event = 'SyncRep'", "the compaction's COMMIT waiting for the standby"));
                await ExecuteAsync("ALTER SYSTEM RESET synchronous_standby_names");
            }

            await stack.CommandAsync(Resources.Postgres, KnownResourceCommands.StopCommand);
            await stack.CommandAsync(Resources.Postgres, KnownResourceCommands.StartCommand);
            await stack.WaitForPostgresAcceptingAsync(TimeSpan.FromSeconds(90));
        }
        finally
        {
            if (cut == "after")
            {
                await ExecuteAsync("ALTER SYSTEM RESET synchronous_standby_names; SELECT pg_reload_conf()");
            }
        }

        db.Clear();
        if (cut == "before")
        {
            // Logged once the compactor, with the catalog back, has found its commit not made and deleted the file.
            await outcomeLogged;
        }

        var current = await catalog.Datasets.GetSnapshotAsync(ApiLake.DefaultWorkspace, name, null);
        var versions = (await catalog.Datasets.ListSnapshotsAsync(ApiLake.DefaultWorkspace, name)).Select(s => s.Version).Order().ToList();
        if (cut == "before")
        {
            // The compaction failed and took its file with it; the append's snapshot is current.
            Assert.Equal((appendVersion, SnapshotOperation.Append), (current!.Snapshot.Version, current.Snapshot.Operation));
            Assert.Equal(FilesOf(current), Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal(Enumerable.Range(1, (int)appendVersion).Select(v => (long)v), versions);
        }
        else
        {
            // The compaction committed, and its file is where the snapshot says.
            Assert.Equal((appendVersion + 1, SnapshotOperation.Compact), (current!.Snapshot.Version, current.Snapshot.Operation));
            Assert.Equal(Enumerable.Range(1, (int)appendVersion + 1).Select(v => (long)v), versions);
            var compacted = Assert.Single(current.Files);
            Assert.StartsWith("compact-", Path.GetFileName(compacted.RelativePath), StringComparison.Ordinal);
            Assert.Equal(Path.GetFileName(compacted.RelativePath), Path.GetFileName(Assert.Single(Directory.GetFiles(folder, "compact-*"))));
        }

        var loaded = (long)SmallRun * runs;
        Assert.Equal((loaded, loaded), await CountsAsync(analyst, name));
        // After the outcome, so that a file deleted from under its snapshot fails the asserts above, not this wait.
        await outcomeLogged;
        // Cached reads moved on with the commit the compactor learned of after the fact.
        Assert.Equal(current.Snapshot.Version, await ApiVersionAsync(analyst, name));

        // The service carried on: the same process, healthy, no crash.
        Assert.Equal(pipelines, stack.ProcessOf(Resources.Pipelines));
        Assert.Equal(crashesBefore, stack.Watch.CrashReports.Count);
        using var worker = stack.App.CreateHttpClient(Resources.Pipelines);
        Assert.Equal("Healthy", await worker.GetStringAsync(new Uri("/health", UriKind.Relative)));

        // The appends go on asking, and the next compaction commits: the next append's when the
        // small files are still there, the one that fills the tier again after a compaction.
        var last = current.Snapshot.Version;
        for (var i = 0; i < (cut == "before" ? 1 : FaultStackFixture.CompactFilesPerTier - 1); i++)
        {
            await RunAsync();
        }

        var next = await Eventually.Async(
            () => catalog.Datasets.GetSnapshotAsync(ApiLake.DefaultWorkspace, name, null),
            s => s!.Snapshot.Operation == SnapshotOperation.Compact && s.Snapshot.Version > last,
            TimeSpan.FromSeconds(60),
            "the compaction after the restart");
        loaded = (long)SmallRun * runs;
        Assert.Equal(loaded, next!.Snapshot.RowCount);
        Assert.Equal((loaded, loaded), await CountsAsync(analyst, name));
        await FaultStackFixture.SettleAfterPostgresRestartAsync(analyst, TimeSpan.FromSeconds(90));
    }

    /// <summary>The dataset's current version as the Api reads it (its cached catalog list).</summary>
    private static async Task<long?> ApiVersionAsync(HttpClient client, string dataset) =>
        (await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/datasets/{dataset}", UriKind.Relative))).GetProperty("currentVersion").GetInt64();

    /// <summary>
    /// The stack's superuser, unpooled: a pooled connection would be one a restart of this or an
    /// earlier test cut.
    /// </summary>
    private string Superuser => new NpgsqlConnectionStringBuilder(stack.DatabaseConnectionString) { Pooling = false }.ConnectionString;

    /// <summary>Runs a statement as the stack's superuser, on a connection of its own; returns its first value.</summary>
    private async Task<object?> ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Superuser);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>The one backend <paramref name="condition"/> (on pg_stat_activity) holds for, once it does.</summary>
    private async Task<int> WaitingBackendAsync(string condition, string what)
    {
        var pids = await Eventually.Async(
            async () =>
            {
                // A connection per look: a transaction sees pg_stat_activity as it first read it.
                await using var connection = new NpgsqlConnection(Superuser);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand($"SELECT pid FROM pg_stat_activity WHERE {condition}", connection);
                await using var reader = await command.ExecuteReaderAsync();
                var found = new List<int>();
                while (await reader.ReadAsync())
                {
                    found.Add(reader.GetInt32(0));
                }

                return found;
            },
            found => found.Count == 1,
            TimeSpan.FromSeconds(60),
            what);
        return pids[0];
    }

    private const int SmallRun = 100;

    /// <summary>What a server stopping fast says to the sessions it ends (SQLSTATE 57P01).</summary>
    private const string AdminShutdown = "57P01: terminating connection due to administrator command";

    /// <summary>count(*) and count(DISTINCT id) of the dataset; the Api answers 503 until its pooled connections to a restarted server are replaced.</summary>
    private static async Task<(long Rows, long Ids)> CountsAsync(HttpClient analyst, string name)
    {
        var row = await Eventually.Async(
            async () =>
            {
                using var response = await analyst.PostAsJsonAsync(new Uri("/api/query", UriKind.Relative), new { sql = $"SELECT count(*), count(DISTINCT id) FROM {name}" });
                return response.StatusCode == HttpStatusCode.OK ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("rows")[0].Clone() : default;
            },
            r => r.ValueKind == JsonValueKind.Array,
            TimeSpan.FromSeconds(30),
            $"a query of {name}");
        return (row[0].GetInt64(), row[1].GetInt64());
    }

    // Big enough that the compacted file dwarfs a run of one row, small enough for tier 0 (< 1 MiB).
    private const int BigRun = 30_000;

    /// <summary>Rows after <paramref name="runs"/> runs: the big ones, then runs of one row.</summary>
    private static long ExpectedRows(int runs) => ((long)BigRun * (FaultStackFixture.CompactFilesPerTier - 1)) + (runs - FaultStackFixture.CompactFilesPerTier + 1);

    private static IEnumerable<string> FilesOf(SnapshotDetail snapshot) =>
        snapshot.Files.Select(f => Path.GetFileName(f.RelativePath)).Order(StringComparer.Ordinal);

    /// <summary>Runs the pipeline in the Pipelines service (queued through the Api) and waits for its success.</summary>
    private static async Task RunThroughServiceAsync(HttpClient engineer, CatalogStore catalog, string name)
    {
        using var triggered = await engineer.PostAsync(new Uri($"/api/pipelines/{name}/runs", UriKind.Relative), null);
        var body = await triggered.Content.ReadAsStringAsync();
        Assert.True(triggered.StatusCode == HttpStatusCode.Accepted, body);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
        var run = await Eventually.Async(
            () => catalog.Runs.GetAsync(ApiLake.DefaultWorkspace, id),
            r => r?.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled,
            TimeSpan.FromSeconds(60),
            $"run {id} of {name}");
        Assert.True(run!.Status == RunStatus.Succeeded, $"{run.Status} in {run.ErrorStep}: {run.Error}");
    }

    [Theory]
    [InlineData("corrupted")]
    [InlineData("deleted")]
    public async Task A_damaged_parquet_file_is_named_with_its_dataset_health_reports_it_and_other_datasets_answer(string damage)
    {
        var damaged = ApiLake.NewDatasetName();
        var intact = ApiLake.NewDatasetName();
        await ApiLake.LoadCsvAsync(stack, damaged, CsvPipeline.Rows(10));
        await ApiLake.LoadCsvAsync(stack, intact, CsvPipeline.Rows(7));
        var file = Directory.GetFiles(Path.Combine(stack.LakeRoot, "default", damaged)).Single();
        var original = await File.ReadAllBytesAsync(file);
        using var analyst = await stack.ClientForRoleAsync("analyst");
        using var worker = stack.App.CreateHttpClient(Resources.Analytics);

        if (damage == "corrupted")
        {
            await File.WriteAllBytesAsync(file, [.. Enumerable.Repeat((byte)0x5A, original.Length)]);
        }
        else
        {
            File.Delete(file);
        }

        try
        {
            using var response = await analyst.PostAsJsonAsync(new Uri("/api/query", UriKind.Relative), new { sql = $"SELECT count(*) FROM {damaged}" });
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.InternalServerError, $"{(int)response.StatusCode}: {body}");
            var detail = JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString()!;
            Assert.Contains($"dataset {damaged}", detail, StringComparison.Ordinal);
            Assert.Contains($"default/{damaged}/{Path.GetFileName(file)}", detail, StringComparison.Ordinal);
            Assert.DoesNotContain(stack.DataDirectory, detail, StringComparison.Ordinal);

            // The worker's health says so until the dataset reads again; other datasets answer meanwhile.
            Assert.Equal("Degraded", await worker.GetStringAsync(new Uri("/health", UriKind.Relative)));
            var other = await IngestTestKit.QueryAsync(analyst, $"SELECT count(*) FROM {intact}");
            Assert.Equal(7, other[0][0].GetInt64());
            Assert.Equal("Degraded", await worker.GetStringAsync(new Uri("/health", UriKind.Relative)));
        }
        finally
        {
            await File.WriteAllBytesAsync(file, original);
        }

        var repaired = await IngestTestKit.QueryAsync(analyst, $"SELECT count(*) FROM {damaged}");
        Assert.Equal(10, repaired[0][0].GetInt64());
        Assert.Equal("Healthy", await worker.GetStringAsync(new Uri("/health", UriKind.Relative)));
    }
}

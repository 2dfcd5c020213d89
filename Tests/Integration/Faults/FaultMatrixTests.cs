using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Ductus.Core;
using Ductus.Core.Auth;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Integration.Ingest;
using Ductus.Tests.Integration.Query;

namespace Ductus.Tests.Integration.Faults;

/// <summary>
/// The fault matrix of docs/reliability.md on a whole stack of its own: each test injects one
/// fault, checks that nothing acknowledged is lost, and that service resumes without a hand.
/// The lake rows (full disk, damaged files) are in <see cref="LakeFaultTests"/>.
/// </summary>
[Collection(FaultStackDefinition.Name)]
public sealed class FaultMatrixTests(FaultStackFixture stack)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private const string EveryThreeSeconds = "0/3 * * * * ?";

    [Fact]
    public async Task Redis_stopped_and_started_queries_ingest_and_rate_limits_keep_answering_and_health_recovers()
    {
        var dataset = ApiLake.NewDatasetName();
        await ApiLake.LoadCsvAsync(stack, dataset, CsvPipeline.Rows(10));
        var pushed = "i_" + Guid.NewGuid().ToString("N")[..8];
        using var engineer = await stack.ClientForRoleAsync("engineer");
        using var ingest = await stack.ClientForRoleAsync("ingest");
        using var analyst = await stack.ClientForRoleAsync("analyst");
        // A schedule as well as push notices: a notice sent while Redis is down is lost.
        await IngestTestKit.CreatePipelineAsync(engineer, pushed, EveryThreeSeconds);

        Guid batch;
        await using (var outage = await RedisOutage.StartAsync(stack))
        {
            Assert.Equal("Degraded", await outage.ApiHealthAsync());
            // More requests than any rate limit's burst would matter for: the limiter fails open.
            for (var i = 0; i < 5; i++)
            {
                var rows = await IngestTestKit.QueryAsync(analyst, $"SELECT count(*) FROM {dataset}");
                Assert.Equal(10, rows[0][0].GetInt64());
            }

            var (response, body) = await IngestTestKit.PushAsync(ingest, pushed, """[{"id": 1, "name": "during the outage"}]""", "application/json");
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"push during the Redis outage: {(int)response.StatusCode} {body}");
            batch = body.GetProperty("batchId").GetGuid();
        }

        // The push's notice was lost with Redis; the drain still happens (scheduled sweep) and keeps the record.
        await IngestTestKit.LoadedAsync(ingest, pushed, batch, Patience);
        var loaded = await IngestTestKit.QueryAsync(analyst, $"SELECT count(*), min(name) FROM {pushed}");
        Assert.Equal(1, loaded[0][0].GetInt64());
        Assert.Equal("during the outage", loaded[0][1].GetString());
    }

    [Fact]
    public async Task Postgres_restarted_pushes_are_kept_or_refused_with_503_and_queries_resume_within_10_s()
    {
        var dataset = "p_" + Guid.NewGuid().ToString("N")[..8];
        using var engineer = await stack.ClientForRoleAsync("engineer");
        using var ingest = await stack.ClientForRoleAsync("ingest");
        using var analyst = await stack.ClientForRoleAsync("analyst");
        await IngestTestKit.CreatePipelineAsync(engineer, dataset, EveryThreeSeconds);
        var acknowledged = new ConcurrentBag<int>();
        var refused = new ConcurrentBag<int>();
        var wrong = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();

        var pushing = Task.Run(async () =>
        {
            for (var id = 1; !stop.IsCancellationRequested; id++)
            {
                try
                {
                    var (response, body) = await IngestTestKit.PushAsync(ingest, dataset, $$"""[{"id": {{id}}, "name": "n{{id}}"}]""", "application/json");
                    switch (response.StatusCode)
                    {
                        case HttpStatusCode.Accepted:
                            acknowledged.Add(id);
                            break;
                        case HttpStatusCode.ServiceUnavailable:
                            refused.Add(id);
                            break;
                        default:
                            wrong.Add($"{id}: {(int)response.StatusCode} {body}");
                            break;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    wrong.Add($"{id}: {e.Message}");
                }

                await Task.Delay(100);
            }
        });

        // Queries throughout: each answers or is refused with 503 and Retry-After, never a 500 (the
        // analytics worker once relayed the cut connection's "57P01" as a failed query).
        var queriesAnswered = 0;
        var queriesRefused = 0;
        var wrongQueries = new ConcurrentBag<string>();
        var querying = Task.Run(async () =>
        {
            for (var n = 1; !stop.IsCancellationRequested; n++)
            {
                try
                {
                    // A new statement each time: a cached answer would not reach the worker.
                    using var response = await analyst.PostAsJsonAsync(new Uri("/api/query", UriKind.Relative), new { sql = $"SELECT {n} AS n" });
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref queriesAnswered);
                    }
                    else if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null)
                    {
                        Interlocked.Increment(ref queriesRefused);
                    }
                    else
                    {
                        wrongQueries.Add($"{n}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    wrongQueries.Add($"{n}: {e.Message}");
                }

                await Task.Delay(100);
            }
        });

        await Task.Delay(TimeSpan.FromSeconds(2));
        await stack.CommandAsync(Resources.Postgres, KnownResourceCommands.StopCommand);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stack.CommandAsync(Resources.Postgres, KnownResourceCommands.StartCommand);
        using (var healthy = new CancellationTokenSource(Patience))
        {
            await stack.App.ResourceNotifications.WaitForResourceHealthyAsync(Resources.Postgres, healthy.Token);
        }

        var back = FaultStackFixture.Clock();
        await Eventually.Async(
            async () =>
            {
                using var response = await analyst.PostAsJsonAsync(new Uri("/api/query", UriKind.Relative), new { sql = "SELECT 42" });
                return response.StatusCode;
            },
            status => status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(10),
            "a query after PostgreSQL came back");
        Assert.True(back.Elapsed < TimeSpan.FromSeconds(10), $"queries resumed after {back.Elapsed}");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await Task.WhenAll(pushing, querying);

        Assert.True(wrong.IsEmpty, $"pushes must be acknowledged (202) or refused (503), never anything else:\n{string.Join("\n", wrong)}");
        Assert.True(wrongQueries.IsEmpty, $"queries must answer (200) or be refused with 503 and Retry-After, never anything else:\n{string.Join("\n", wrongQueries)}");
        Assert.True(queriesAnswered > 0 && queriesRefused > 0, $"{queriesAnswered} queries answered and {queriesRefused} refused: the outage was not met");
        Assert.NotEmpty(acknowledged);
        // Every acknowledged record reaches the dataset exactly once; the refused ones never do.
        var expected = acknowledged.Order().ToList();
        var rows = await Eventually.Async(
            async () =>
            {
                // The dataset exists from its first drain on; until then the query is refused.
                using var response = await analyst.PostAsJsonAsync(new Uri("/api/query", UriKind.Relative), new { sql = $"SELECT count(*), count(DISTINCT id) FROM {dataset}" });
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    return (0L, 0L);
                }

                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var row = json.RootElement.GetProperty("rows")[0];
                return (row[0].GetInt64(), row[1].GetInt64());
            },
            seen => seen.Item1 >= expected.Count,
            Patience,
            $"the {expected.Count} acknowledged records loaded");
        Assert.Equal((expected.Count, expected.Count), ((int)rows.Item1, (int)rows.Item2));
        var ids = await IngestTestKit.QueryAsync(analyst, $"SELECT id FROM {dataset} ORDER BY id");
        Assert.Equal(expected, ids.EnumerateArray().Select(r => r[0].GetInt32()));
        await FaultStackFixture.SettleAfterPostgresRestartAsync(analyst, Patience);
    }

    [Theory]
    [InlineData(Resources.Api)]
    [InlineData(Resources.Analytics)]
    [InlineData(Resources.Pipelines)]
    public async Task A_service_killed_with_sigkill_is_restarted_by_the_apphost_and_serves_again(string service)
    {
        var dataset = ApiLake.NewDatasetName();
        await ApiLake.LoadCsvAsync(stack, dataset, CsvPipeline.Rows(5));
        var pid = stack.ProcessOf(service);
        var crashesBefore = stack.Watch.CrashReports.Count;

        await FaultStackFixture.SignalAsync(stack.ServiceProcessOf(service), "KILL");
        var restarted = await stack.WaitForRestartAsync(service, pid, Patience);

        Assert.NotEqual(pid, restarted);
        var report = Assert.Single(stack.Watch.CrashReports.Skip(crashesBefore));
        Assert.Contains($"Ductus: {service} stopped unexpectedly; starting it again.", report, StringComparison.Ordinal);
        Assert.Contains($"Last lines of {service}:", report, StringComparison.Ordinal);
        using var client = stack.App.CreateHttpClient(service);
        Assert.Equal("Healthy", await client.GetStringAsync(new Uri("/health", UriKind.Relative)));
        // Work through the restarted service: the snapshot loaded before the kill, whole and once.
        using var analyst = await stack.ClientForRoleAsync("analyst");
        var rows = await IngestTestKit.QueryAsync(analyst, $"SELECT count(*), sum(amount) FROM {dataset}");
        Assert.Equal(5, rows[0][0].GetInt64());
        Assert.Equal(150, rows[0][1].GetInt64());
    }

    [Fact]
    public async Task A_service_aborted_with_sigabrt_is_restarted_and_the_report_names_its_crash_dump_and_last_lines()
    {
        const string service = Resources.Api;
        var pid = stack.ProcessOf(service);
        var aborted = stack.ServiceProcessOf(service);
        var crashesBefore = stack.Watch.CrashReports.Count;

        await FaultStackFixture.AbortAsync(aborted, Patience);
        var restarted = await stack.WaitForRestartAsync(service, pid, Patience);

        Assert.NotEqual(pid, restarted);
        var report = Assert.Single(stack.Watch.CrashReports.Skip(crashesBefore));
        Assert.Contains($"Ductus: {service} stopped unexpectedly; starting it again.", report, StringComparison.Ordinal);
        Assert.Contains($"{service}: exited unexpectedly with code 134", report, StringComparison.Ordinal);
        // Its last lines end with what the runtime said while it wrote the dump.
        Assert.Contains($"Last lines of {service}:", report, StringComparison.Ordinal);
        Assert.Contains("[createdump] Dump successfully written", report, StringComparison.Ordinal);
        // The runtime's dump of the aborted process (not of `dotnet run` above it), named in the report.
        var dump = Path.Combine(stack.DataDirectory, "crash-dumps", $"{service}.{aborted}.dmp");
        Assert.Contains($"Crash evidence: {dump}", report, StringComparison.Ordinal);
        Assert.True(new FileInfo(dump).Length > 0, $"{dump} is empty");
        // And the runtime's crash report beside it: the aborting thread's stack, as JSON.
        Assert.Contains($"Crash evidence: {dump}.crashreport.json", report, StringComparison.Ordinal);
        using var client = stack.App.CreateHttpClient(service);
        Assert.Equal("Healthy", await client.GetStringAsync(new Uri("/health", UriKind.Relative)));
    }

    [Fact]
    public async Task A_slow_query_is_interrupted_by_its_timeout_and_the_sandbox_serves_the_next_query()
    {
        var token = ServiceToken.Issue(stack.ServiceTokenKey, ApiLake.DefaultWorkspace, "default", DateTimeOffset.UtcNow);
        using var client = stack.App.CreateHttpClient(Resources.Analytics);

        // More slow queries than the pool has sandboxes: each must give its sandbox back.
        for (var i = 0; i < 10; i++)
        {
            var clock = FaultStackFixture.Clock();
            using var slow = await PostInternalAsync(client, token, new { sql = "SELECT count(*) FROM range(1000000000) a, range(1000000) b", format = "json", timeoutMs = 500 });
            Assert.Equal(HttpStatusCode.GatewayTimeout, slow.StatusCode);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the interrupted query took {clock.Elapsed}");
        }

        using var quick = await PostInternalAsync(client, token, new { sql = "SELECT 41 + 1 AS answer", format = "json" });
        Assert.Equal(HttpStatusCode.OK, quick.StatusCode);
        using var json = JsonDocument.Parse(await quick.Content.ReadAsStringAsync());
        Assert.Equal(42, json.RootElement.GetProperty("rows")[0][0].GetInt32());
    }

    private static async Task<HttpResponseMessage> PostInternalAsync(HttpClient client, string token, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/internal/query") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Ductus.Core;
using Ductus.Core.Migrations;
using Ductus.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Ductus.Tests.Integration;

[Collection(StackDefinition.Name)]
public sealed class WholeStackTests(StackFixture stack)
{
    [Fact]
    public async Task Every_resource_is_healthy_and_the_migrator_finished_cleanly()
    {
        var model = stack.App.Services.GetRequiredService<DistributedApplicationModel>();
        var notifications = stack.App.ResourceNotifications;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // Aspire adds hidden helper resources (project rebuilders); the operator sees the rest.
        var visible = model.Resources
            .Where(r => r is not ParameterResource)
            .Where(r => !(notifications.TryGetCurrentState(r.Name, out var e) && e.Snapshot.IsHidden))
            .ToList();
        Assert.Superset(
            new HashSet<string> { Resources.Postgres, Resources.Database, Resources.Redis, Resources.Migrator, Resources.Api, Resources.Pipelines, Resources.Analytics },
            visible.Select(r => r.Name).ToHashSet());

        foreach (var resource in visible)
        {
            if (resource.Name == Resources.Migrator)
            {
                var finished = await notifications.WaitForResourceAsync(resource.Name, e => e.Snapshot.State?.Text == KnownResourceStates.Finished, cts.Token);
                Assert.Equal(0, finished.Snapshot.ExitCode);
                continue;
            }

            var healthy = await notifications.WaitForResourceHealthyAsync(resource.Name, cts.Token);
            Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, healthy.Snapshot.HealthStatus);
        }
    }

    [Theory]
    [InlineData(Resources.Api)]
    [InlineData(Resources.Pipelines)]
    [InlineData(Resources.Analytics)]
    public async Task Each_service_answers_health_and_alive(string service)
    {
        using var client = stack.App.CreateHttpClient(service);
        var health = await client.GetAsync(new Uri("/health", UriKind.Relative));
        var alive = await client.GetAsync(new Uri("/alive", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        // The worker reports Degraded while a dataset's committed file cannot be read, and tests
        // sharing this stack delete or expire lake files on purpose. Its Healthy/Degraded
        // transitions are asserted on a stack of their own (LakeFaultTests).
        string[] expected = service == Resources.Analytics ? ["Healthy", "Degraded"] : ["Healthy"];
        Assert.Contains(await health.Content.ReadAsStringAsync(), expected);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task The_api_reaches_postgres_redis_and_duckdb_in_the_analytics_worker()
    {
        // System info is for operators: an admin token gets through.
        using var client = await stack.CreateAdminClientAsync();
        var first = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/system/info", UriKind.Relative));
        var second = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/system/info", UriKind.Relative));

        Assert.StartsWith("15.", first.GetProperty("postgres").GetProperty("version").GetString(), StringComparison.Ordinal);
        Assert.Equal(MigrationCatalog.All[^1].Version, first.GetProperty("postgres").GetProperty("schemaVersion").GetInt32());
        Assert.Equal("duckdb", first.GetProperty("analytics").GetProperty("engine").GetString());
        // One trace from the Api into the analytics worker: the worker saw the Api's trace id.
        var traceId = first.GetProperty("traceId").GetString();
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        Assert.Equal(traceId, first.GetProperty("analytics").GetProperty("traceId").GetString());
        Assert.StartsWith("v1.5", first.GetProperty("analytics").GetProperty("version").GetString(), StringComparison.Ordinal);
        // The counter lives in Redis, so the second call must see the first one's increment.
        Assert.Equal(
            first.GetProperty("redis").GetProperty("requests").GetInt64() + 1,
            second.GetProperty("redis").GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task The_openapi_document_and_reference_are_served()
    {
        using var client = stack.CreateApiClient();
        var doc = await client.GetFromJsonAsync<JsonElement>(new Uri("/openapi/v1.json", UriKind.Relative));
        Assert.True(doc.GetProperty("paths").TryGetProperty("/api/system/info", out _));
        var ui = await client.GetAsync(new Uri("/docs", UriKind.Relative));
        Assert.True(ui.IsSuccessStatusCode, $"/docs answered {(int)ui.StatusCode}");
    }

    [Fact]
    public async Task The_stack_file_lets_command_line_tools_find_the_running_stack()
    {
        var path = Path.Combine(stack.DataDirectory, "stack.json");
        Assert.True(File.Exists(path), $"{path} was not written");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        var connectionString = json.RootElement.GetProperty("connectionStrings").GetProperty(Resources.Database).GetString();
        await using var source = Npgsql.NpgsqlDataSource.Create(connectionString!);
        await using var command = source.CreateCommand("SELECT current_database()");
        Assert.Equal(Resources.Database, await command.ExecuteScalarAsync());
        Assert.True(Directory.Exists(json.RootElement.GetProperty("lakeRoot").GetString()));
        // bench/run.sh api and scripts/openapi-lint.sh reach the Api and get a token with these.
        Assert.Equal(stack.AdminKey, json.RootElement.GetProperty("adminKey").GetString());
        using var api = stack.CreateApiClient();
        Assert.Equal(api.BaseAddress?.Port, new Uri(json.RootElement.GetProperty("api").GetString()!).Port);
    }
}

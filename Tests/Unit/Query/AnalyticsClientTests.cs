using System.Net;
using Ductus.Api.Clients;
using Ductus.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ductus.Tests.Unit.Query;

/// <summary>
/// The Api's client for the analytics worker, built as the Api builds it (service defaults +
/// <see cref="AnalyticsClientSetup.AddAnalyticsClient{TBuilder}"/>), over real loopback sockets.
/// </summary>
public sealed class AnalyticsClientTests
{
    private static readonly Guid Workspace = Guid.Parse("00000000-0000-0000-0000-000000000001");

    private static IHost Api(params Uri[] analytics)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        // How a platform lists several replicas of a service: services__analytics__http__N.
        builder.Configuration.AddInMemoryCollection(analytics.Select((uri, i) =>
            KeyValuePair.Create($"services:analytics:http:{i}", (string?)uri.ToString())));
        builder.Configuration.AddInMemoryCollection([KeyValuePair.Create("Ductus:ServiceToken:SigningKey", (string?)new string('k', 64))]);
        builder.AddServiceDefaults();
        builder.AddAnalyticsClient();
        return builder.Build();
    }

    [Fact]
    public async Task With_two_analytics_replicas_listed_and_one_down_every_query_is_answered_by_the_other()
    {
        await using var live = new TestHttpServer(context =>
            TestHttpServer.WriteAsync(context, """{"engine":"duckdb","version":"v1.4.0"}"""));
        // Nothing listens here: the replica was killed, its address is still listed.
        var down = new Uri($"http://127.0.0.1:{TestHttpServer.FreePort()}/");
        using var api = Api(down, live.BaseUri);
        var analytics = api.Services.GetRequiredService<AnalyticsClient>();

        // Service discovery takes the listed endpoints in turn and knows nothing of their health,
        // so without a retry every other request would go to the dead one.
        for (var i = 0; i < 4; i++)
        {
            using var response = await analytics.QueryAsync(Workspace, "default", new { sql = "SELECT 1" }, CancellationToken.None);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("v1.4.0", (await analytics.EngineVersionAsync(Workspace, "default", CancellationToken.None)).Version);
        }

        lock (live.Requests)
        {
            Assert.Equal(8, live.Requests.Count);
        }
    }

    [Fact]
    public async Task A_query_the_worker_failed_after_receiving_it_is_not_sent_again()
    {
        await using var failing = new TestHttpServer(context =>
            TestHttpServer.WriteAsync(context, """{"title":"Query timed out"}""", 504, "application/problem+json"));
        using var api = Api(failing.BaseUri, failing.BaseUri);
        var analytics = api.Services.GetRequiredService<AnalyticsClient>();

        using var response = await analytics.QueryAsync(Workspace, "default", new { sql = "SELECT 1" }, CancellationToken.None);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        lock (failing.Requests)
        {
            Assert.Single(failing.Requests);
        }
    }

    [Fact]
    public async Task With_every_analytics_replica_down_the_query_fails_with_the_connection_error()
    {
        using var api = Api(new Uri($"http://127.0.0.1:{TestHttpServer.FreePort()}/"), new Uri($"http://127.0.0.1:{TestHttpServer.FreePort()}/"));
        var analytics = api.Services.GetRequiredService<AnalyticsClient>();

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => analytics.QueryAsync(Workspace, "default", new { sql = "SELECT 1" }, CancellationToken.None));

        Assert.Equal(HttpRequestError.ConnectionError, error.HttpRequestError);
    }
}

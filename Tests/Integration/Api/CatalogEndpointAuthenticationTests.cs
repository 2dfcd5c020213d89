using System.Net;
using System.Text.Json;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Api;

[Collection(StackDefinition.Name)]
public sealed class CatalogEndpointAuthenticationTests(StackFixture stack)
{
    private static readonly (string Method, string Route)[] Operations =
    [
        ("GET", "/api/pipelines"),
        ("POST", "/api/pipelines"),
        ("POST", "/api/pipelines/validate"),
        ("GET", "/api/pipelines/flights"),
        ("GET", "/api/pipelines/flights/versions"),
        ("PUT", "/api/pipelines/flights"),
        ("PATCH", "/api/pipelines/flights"),
        ("DELETE", "/api/pipelines/flights"),
        ("POST", "/api/pipelines/flights/restore"),
        ("POST", "/api/pipelines/flights/purge"),
        ("POST", "/api/pipelines/flights/runs"),
        ("GET", "/api/runs"),
        ("GET", "/api/runs/events"),
        ("GET", "/api/runs/00000000-0000-0000-0000-000000000001"),
        ("POST", "/api/runs/00000000-0000-0000-0000-000000000001/cancel"),
        ("POST", "/api/runs/00000000-0000-0000-0000-000000000001/replay"),
        ("GET", "/api/runs/00000000-0000-0000-0000-000000000001/rejects"),
        ("GET", "/api/runs/00000000-0000-0000-0000-000000000001/rejects/summary"),
        ("POST", "/api/runs/00000000-0000-0000-0000-000000000001/rejects/what-if"),
        ("GET", "/api/runs/00000000-0000-0000-0000-000000000001/events"),
        ("GET", "/api/datasets"),
        ("GET", "/api/datasets/flights"),
        ("DELETE", "/api/datasets/flights"),
        ("POST", "/api/datasets/flights/restore"),
        ("POST", "/api/datasets/flights/purge"),
        ("POST", "/api/datasets/flights/rollback"),
        ("GET", "/api/datasets/flights/snapshots"),
        ("GET", "/api/datasets/flights/diff"),
        ("GET", "/api/datasets/flights/preview"),
        ("POST", "/api/datasets/flights/aggregate"),
        ("POST", "/api/datasets/flights/records"),
        ("GET", "/api/datasets/flights/batches/00000000-0000-0000-0000-000000000001"),
    ];

    [Fact]
    public async Task Pipeline_run_and_catalog_operations_refuse_a_request_without_a_token()
    {
        using var anonymous = stack.CreateApiClient();
        foreach (var (method, route) in Operations)
        {
            using var response = await anonymous.SendPastAnonymousLimitAsync(() =>
            {
                var request = new HttpRequestMessage(new HttpMethod(method), ApiJson.Relative(route));
                if (method is "POST" or "PUT")
                {
                    request.Content = ApiJson.Yaml(PipelineEndpointTests.SpecYaml("flights"));
                }

                return request;
            });
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {route} answered {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task The_openapi_document_gives_every_catalog_operation_a_summary_its_errors_and_both_spec_formats()
    {
        using var anonymous = stack.CreateApiClient();
        var document = JsonDocument.Parse(await anonymous.GetStringAsync(ApiJson.Relative("/openapi/v1.json"))).RootElement;
        var operations = document.GetProperty("paths").EnumerateObject()
            .Where(p => p.Name.StartsWith("/api/pipelines", StringComparison.Ordinal) || p.Name.StartsWith("/api/runs", StringComparison.Ordinal)
                || p.Name.StartsWith("/api/datasets", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Route: $"{o.Name.ToUpperInvariant()} {p.Name}", Operation: o.Value)))
            .ToList();

        Assert.Equal(Operations.Length, operations.Count);
        foreach (var (route, operation) in operations)
        {
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), $"{route} has no summary");
            var responses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
            Assert.True(responses.Contains("401") && responses.Contains("403"), $"{route} documents {string.Join(", ", responses)}");
            if (route is "POST /api/pipelines" or "POST /api/pipelines/validate" or "PUT /api/pipelines/{name}")
            {
                var types = operation.GetProperty("requestBody").GetProperty("content").EnumerateObject().Select(c => c.Name).ToList();
                Assert.Contains("application/json", types);
                Assert.Contains("application/yaml", types);
                Assert.Contains("400", responses);
            }
        }
    }
}

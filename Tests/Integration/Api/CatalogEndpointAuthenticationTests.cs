using System.Net;
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
        ("PUT", "/api/pipelines/flights"),
        ("DELETE", "/api/pipelines/flights"),
        ("POST", "/api/pipelines/flights/runs"),
        ("GET", "/api/runs"),
        ("GET", "/api/runs/00000000-0000-0000-0000-000000000001"),
        ("POST", "/api/runs/00000000-0000-0000-0000-000000000001/cancel"),
        ("POST", "/api/runs/00000000-0000-0000-0000-000000000001/replay"),
        ("GET", "/api/runs/00000000-0000-0000-0000-000000000001/rejects"),
        ("GET", "/api/datasets"),
        ("GET", "/api/datasets/flights"),
        ("GET", "/api/datasets/flights/snapshots"),
    ];

    [Fact]
    public async Task Pipeline_run_and_catalog_operations_refuse_a_request_without_a_token()
    {
        using var anonymous = stack.CreateApiClient();
        foreach (var (method, route) in Operations)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), ApiJson.Relative(route));
            if (method is "POST" or "PUT")
            {
                request.Content = ApiJson.Yaml(PipelineEndpointTests.SpecYaml("flights"));
            }

            using var response = await anonymous.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {route} answered {(int)response.StatusCode}");
        }
    }
}

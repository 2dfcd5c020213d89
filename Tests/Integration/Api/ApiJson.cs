using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Ductus.Tests.Integration.Api;

/// <summary>Small request and response helpers shared by the endpoint tests.</summary>
internal static class ApiJson
{
    public static Uri Relative(string path) => new(path, UriKind.Relative);

    public static StringContent Yaml(string text) => new(text, Encoding.UTF8, "application/yaml");

    public static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> BodyAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The field names of a problem's <c>errors</c>.</summary>
    public static async Task<List<string>> ErrorNamesAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.BodyAsync();
        return [.. body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("name").GetString()!)];
    }

    public static Task<HttpResponseMessage> GetAsync(this HttpClient client, string path) => client.GetAsync(Relative(path));

    /// <summary>Creates a pipeline from its YAML spec through the Api, failing the test with the answer and the spec unless it is created.</summary>
    public static async Task CreatePipelineAsync(this HttpClient client, string yaml)
    {
        using var created = await client.PostAsync("/api/pipelines", Yaml(yaml));
        Assert.True(created.StatusCode == System.Net.HttpStatusCode.Created, $"{(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}\n{yaml}");
    }

    public static Task<HttpResponseMessage> PostAsync(this HttpClient client, string path, HttpContent? content = null) =>
        client.PostAsync(Relative(path), content ?? JsonContent.Create(new { }));
}

using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Ingest;

/// <summary>What the ingest tests share: an ingest pipeline per test, pushes, and waiting for drains.</summary>
internal static class IngestTestKit
{
    /// <summary>A spec draining <paramref name="dataset"/>'s buffer: id required and positive, name required.</summary>
    public static string SpecYaml(string dataset, string? schedule = null) => $$"""
        name: {{dataset}}
        source:
          kind: ingest
        contract:
          columns:
            id: { type: integer, required: true, min: 1 }
            name: { type: varchar, required: true }
        target:
          dataset: {{dataset}}
          mode: append
        {{(schedule is null ? string.Empty : $"schedule: \"{schedule}\"")}}
        """;

    /// <summary>Creates the ingest pipeline through the Api (no schedule: only pushes start its drains).</summary>
    public static async Task CreatePipelineAsync(HttpClient engineer, string dataset, string? schedule = null)
    {
        using var content = new StringContent(SpecYaml(dataset, schedule), Encoding.UTF8, "application/yaml");
        using var response = await engineer.PostAsync(new Uri("/api/pipelines", UriKind.Relative), content);
        Assert.True(response.IsSuccessStatusCode, $"creating pipeline {dataset} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    public static async Task<(HttpResponseMessage Response, JsonElement Body)> PushAsync(
        HttpClient client, string dataset, string body, string contentType, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/datasets/{dataset}/records")
        {
            Content = new StringContent(body, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        // As curl does for large bodies: a refusal by Content-Length (413) then arrives before the
        // body is sent. Without it the Api's answer races the upload, and CI once saw the client's
        // write fail with a broken pipe before it read the 413.
        request.Headers.ExpectContinue = body.Length > 1024 * 1024;
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<JsonElement> BatchAsync(HttpClient client, string dataset, Guid batch)
    {
        using var response = await client.GetAsync(new Uri($"/api/datasets/{dataset}/batches/{batch}", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET batch answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Waits until the batch has been drained into the lake and returns its status.</summary>
    public static async Task<JsonElement> LoadedAsync(HttpClient client, string dataset, Guid batch, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await BatchAsync(client, dataset, batch);
            if (status.GetProperty("status").GetString() == "loaded")
            {
                return status;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"batch {batch} of {dataset} was not loaded within {timeout}; last seen: {status}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>POST /api/query; the rows of the result.</summary>
    public static async Task<JsonElement> QueryAsync(HttpClient client, string sql)
    {
        using var response = await client.PostAsJsonAsync(new Uri("/api/query", UriKind.Relative), new { sql });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /api/query answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("rows").Clone();
    }

    public static string Errors(JsonElement problem) => problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("errors", out var errors) ? errors.ToString() : problem.ToString();

}

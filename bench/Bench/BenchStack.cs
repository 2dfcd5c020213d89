using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;

namespace Ductus.Bench;

/// <summary>What the benches that drive a running stack share: signing in, running a pipeline to its end, and the 10M-row flights file.</summary>
internal static class BenchStack
{
    /// <summary>
    /// An HTTP client signed in with a key of its own (made by the admin) whose rate limit no
    /// bench can spend: the default budget would throttle the load, not measure it.
    /// </summary>
    public static async Task<HttpClient> SignInAsync(string api, string adminKey, string name, string[] roles, int connections, TimeSpan timeout)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections }) { BaseAddress = new Uri(api), Timeout = timeout };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(http, "admin", adminKey));
        using var created = await http.PostAsJsonAsync("/api/keys", new { name = $"{name} {Guid.NewGuid():N}"[..Math.Min(name.Length + 7, 60)], roles, rateLimit = 1_000_000 });
        var key = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        if (!created.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"creating the bench's key: {(int)created.StatusCode} {key}");
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            await TokenAsync(http, key.GetProperty("clientId").GetString()!, key.GetProperty("clientSecret").GetString()!));
        return http;
    }

    public static async Task<string> TokenAsync(HttpClient http, string clientId, string secret)
    {
        using var response = await http.PostAsync("/auth/token", new FormUrlEncodedContent(
        [
            new("grant_type", "client_credentials"),
            new("client_id", clientId),
            new("client_secret", secret),
        ]));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"token for {clientId}: {(int)response.StatusCode} {body}");
        }

        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Saves a pipeline (YAML or JSON); a 409 means an earlier bench saved it, which is fine.</summary>
    public static async Task SaveAsync(HttpClient http, string spec, string contentType)
    {
        using var create = await http.PostAsync("/api/pipelines", new StringContent(spec, Encoding.UTF8, contentType));
        if (!create.IsSuccessStatusCode && (int)create.StatusCode != 409)
        {
            throw new InvalidOperationException($"saving a pipeline: {(int)create.StatusCode} {await create.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Triggers a run of <paramref name="pipeline"/> and waits for it to succeed; its final <c>GET /api/runs/{id}</c>.</summary>
    public static async Task<JsonElement> RunAsync(HttpClient http, string pipeline)
    {
        using var trigger = await http.PostAsync($"/api/pipelines/{pipeline}/runs", null);
        var run = JsonDocument.Parse(await trigger.Content.ReadAsStringAsync()).RootElement;
        if (!trigger.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"running {pipeline}: {(int)trigger.StatusCode} {run}");
        }

        var id = run.GetProperty("id").GetString();
        while (true)
        {
            await Task.Delay(250);
            var now = JsonDocument.Parse(await http.GetStringAsync($"/api/runs/{id}")).RootElement;
            switch (now.GetProperty("status").GetString())
            {
                case "succeeded":
                    return now;
                case "failed" or "cancelled":
                    throw new InvalidOperationException($"running {pipeline}: run {id} {now}");
            }
        }
    }

    /// <summary>The server-side time of a finished run: from its start to its commit, without the wait in the queue.</summary>
    public static double Seconds(JsonElement run) =>
        (run.GetProperty("finishedAt").GetDateTimeOffset() - run.GetProperty("startedAt").GetDateTimeOffset()).TotalSeconds;

    /// <summary><c>data/bench/flights-10m.parquet</c>, made once from the demo's 3M flights.</summary>
    public static async Task<string> TenMillionFlightsAsync(string dataRoot)
    {
        var target = Path.Combine(dataRoot, "bench", "flights-10m.parquet");
        if (File.Exists(target))
        {
            return target;
        }

        Console.Error.WriteLine($"writing {target}");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // Four copies of the 3M rows (a copy's dates in the same half year, so the day buckets stay
        // realistic), cut at 10M.
        await ExecAsync($"""
            COPY (SELECT date, delay, distance, origin, destination
                  FROM read_parquet('{Path.Combine(dataRoot, "vega", "flights-3m.parquet")}'), range(4) r(copy)
                  ORDER BY copy, date LIMIT 10000000)
            TO '{target}' (FORMAT parquet)
            """);
        return target;
    }

    public static async Task ExecAsync(string sql)
    {
        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        await using var command = duck.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}

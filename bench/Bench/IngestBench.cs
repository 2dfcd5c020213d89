using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Ductus.Bench;

/// <summary>
/// The ingest API under load against a running stack: 16 clients push NDJSON batches of 1,000
/// records for a while; the baseline is raw Npgsql binary COPY of the same records into the same
/// buffer table, in the same run. Freshness: from a batch's 202 to its rows answering in
/// <c>POST /api/query</c>.
/// </summary>
internal static class IngestBench
{
    private const int Clients = 16;
    private const int BatchSize = 1000;
    private static readonly string[] EngineerRole = ["engineer"];
    private static readonly string[] Kinds = ["click", "view", "buy"];

    public static async Task<int> RunAsync(string api, string adminKey, string database, TimeSpan duration, TimeSpan copyDuration, TimeSpan warmUp)
    {
        using var http = await BenchStack.SignInAsync(api, adminKey, "bench ingest", EngineerRole, Clients * 2, TimeSpan.FromMinutes(2));

        var dataset = "bench_ingest_" + Guid.NewGuid().ToString("N")[..8];
        using (var spec = new StringContent($$"""
            name: {{dataset}}
            source:
              kind: ingest
              columns: { id: bigint, client: integer, kind: varchar, amount: double, at: timestamp }
            contract:
              columns:
                id: { type: bigint, required: true }
                kind: { accepted_values: [click, view, buy] }
            target:
              dataset: {{dataset}}
            schedule: "0/5 * * * * ?"
            """, Encoding.UTF8, "application/yaml"))
        using (var created = await http.PostAsync("/api/pipelines", spec))
        {
            created.EnsureSuccessStatusCode();
        }

        // Warm-up, not measured: the services' JIT tiers every hot method up (through an
        // instrumented tier) in the first minute of load, which on 2 busy cores took a third of
        // a 60 s run's CPU (perf, 2026-11-28). A service runs for days; the figure is its steady state.
        // The probe's queries run in the warm-up too: the Analytics service's code is as cold as the rest.
        if (warmUp > TimeSpan.Zero)
        {
            var warming = new ConcurrentDictionary<string, long>();
            var warmClock = Stopwatch.StartNew();
            using var stopWarmProbe = new CancellationTokenSource();
            var warmProbe = ProbeAsync(http, dataset, warming, [], warmClock, stopWarmProbe.Token);
            var warmed = await PushAsync(http, dataset, warmUp, (warming, warmClock));
            await DrainedAsync(http, dataset, warmed.LastBatch, TimeSpan.FromMinutes(2));
            await stopWarmProbe.CancelAsync();
            await warmProbe;
            Console.Error.WriteLine($"warm-up: {warmed.Acknowledged:N0} records in {warmUp.TotalSeconds:0} s (not counted)");
        }

        var (copyRate, copyCpu) = await CopyBaselineAsync(database, copyDuration);
        Console.Error.WriteLine($"copy baseline: {copyRate:N0} rec/s over {copyDuration.TotalSeconds:0} s");

        var probes = new ConcurrentDictionary<string, long>();
        var freshness = new ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        using var stopProbing = new CancellationTokenSource();
        var prober = ProbeAsync(http, dataset, probes, freshness, clock, stopProbing.Token);
        var cpuAtStart = ProcessCpu.Take();
        var pushed = await PushAsync(http, dataset, duration, (probes, clock));
        var pushCpu = ProcessCpu.Spent(cpuAtStart, ProcessCpu.Take());
        var acknowledged = pushed.Acknowledged;
        var refused = pushed.Refused;
        var pushSeconds = clock.Elapsed.TotalSeconds;
        var rate = acknowledged / pushSeconds;

        // Let the last probes become visible (or give up after two minutes).
        var deadline = clock.Elapsed + TimeSpan.FromMinutes(2);
        while (!probes.IsEmpty && clock.Elapsed < deadline)
        {
            await Task.Delay(200);
        }

        await stopProbing.CancelAsync();
        await prober;
        var sorted = freshness.Order().ToArray();
        var p50 = sorted.Length == 0 ? double.NaN : sorted[(int)(sorted.Length * 0.5)];
        var p95 = sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(sorted.Length * 0.95) - 1)];
        Console.Error.WriteLine($"pushed {acknowledged:N0} records in {pushSeconds:0.0} s by {Clients} clients ({refused} refused with 503); " +
            $"freshness of {sorted.Length} probed batches: p50 {p50:0.00} s, p95 {p95:0.00} s, max {(sorted.Length == 0 ? double.NaN : sorted[^1]):0.00} s; {probes.Count} never seen");
        // Both phases use the same 2 cores; where the ingest path's extra CPU per record goes is
        // what bounds the ratio.
        Console.Error.WriteLine($"cpu per record, copy baseline: {copyCpu}");
        Console.Error.WriteLine($"cpu per record, ingest (pushes, drains, probes): {ProcessCpu.PerRecord(pushCpu, acknowledged)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ingest: {rate:N0} rec/s, copy {copyRate:N0} rec/s, ratio {rate / copyRate:0.00}, freshness p95 {p95:0.00} s"));
        return 0;
    }

    private sealed record Pushed(long Acknowledged, long Refused, string? LastBatch);

    /// <summary>16 clients pushing 1,000-record NDJSON batches until <paramref name="duration"/> is up; every fifth batch of each client is probed when <paramref name="probes"/> is given.</summary>
    private static async Task<Pushed> PushAsync(HttpClient http, string dataset, TimeSpan duration, (ConcurrentDictionary<string, long> Waiting, Stopwatch Clock)? probes)
    {
        var acknowledged = 0L;
        var refused = 0L;
        string? last = null;
        var clock = probes?.Clock ?? Stopwatch.StartNew();
        var start = clock.Elapsed;
        var clients = Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            var sequence = 0L;
            while (clock.Elapsed - start < duration)
            {
                var body = Batch(client, sequence);
                using var content = new StringContent(body, Encoding.UTF8, "application/x-ndjson");
                using var response = await http.PostAsync($"/api/datasets/{dataset}/records", content);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                    Interlocked.Add(ref acknowledged, json.GetProperty("records").GetInt32());
                    var batch = json.GetProperty("batchId").GetString()!;
                    Volatile.Write(ref last, batch);
                    if (probes is { } p && sequence % 5 == 0)
                    {
                        p.Waiting[batch] = clock.ElapsedTicks;
                    }

                    sequence++;
                }
                else if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    Interlocked.Increment(ref refused);
                    await Task.Delay(TimeSpan.FromSeconds(response.Headers.RetryAfter?.Delta?.TotalSeconds ?? 1));
                }
                else
                {
                    throw new InvalidOperationException($"push answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
            }
        })).ToArray();
        await Task.WhenAll(clients);
        return new Pushed(acknowledged, refused, last);
    }

    /// <summary>Waits until the batch has been drained into the lake (its status shows the run that consumed it).</summary>
    private static async Task DrainedAsync(HttpClient http, string dataset, string? batch, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (batch is not null && clock.Elapsed < timeout)
        {
            using var response = await http.GetAsync(new Uri($"/api/datasets/{dataset}/batches/{batch}", UriKind.Relative));
            if (response.IsSuccessStatusCode
                && JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString() == "loaded")
            {
                return;
            }

            await Task.Delay(250);
        }
    }

    private static string Batch(int client, long sequence)
    {
        var body = new StringBuilder(BatchSize * 110);
        for (var i = 0; i < BatchSize; i++)
        {
            var id = (((long)client << 40) | (sequence * BatchSize)) + i;
            body.Append(CultureInfo.InvariantCulture,
                $"{{\"id\": {id}, \"client\": {client}, \"kind\": \"{Kinds[i % 3]}\", \"amount\": {i * 1.25}, \"at\": \"2026-11-28T04:{i % 60:00}:00\"}}\n");
        }

        return body.ToString();
    }

    /// <summary>
    /// Watches the dataset's current snapshot version (the cached catalog read) every 100 ms and,
    /// each time it moves (and at least once a second), asks <c>POST /api/query</c> which probed batches it now answers; a
    /// batch's freshness is from its 202 to the first query that returns it. Querying only when
    /// there is something new to see keeps the probe's own load off the machine being measured.
    /// </summary>
    private static async Task ProbeAsync(HttpClient http, string dataset, ConcurrentDictionary<string, long> probes, ConcurrentBag<double> freshness, Stopwatch clock, CancellationToken stop)
    {
        long? seen = null;
        var asked = TimeSpan.Zero;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(100, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var waiting = probes.Keys.ToArray();
            if (waiting.Length == 0)
            {
                continue;
            }

            using (var catalog = await http.GetAsync(new Uri($"/api/datasets/{dataset}", UriKind.Relative), CancellationToken.None))
            {
                if (!catalog.IsSuccessStatusCode)
                {
                    continue; // Before the first drain commits the dataset does not exist yet.
                }

                var version = JsonDocument.Parse(await catalog.Content.ReadAsStringAsync(CancellationToken.None)).RootElement.GetProperty("currentVersion").GetInt64();
                // Once a second regardless: a batch whose drain committed in the moment between its
                // 202 and its probe being listed is found without waiting for the next snapshot.
                if (version == seen && clock.Elapsed - asked < TimeSpan.FromSeconds(1))
                {
                    continue;
                }

                seen = version;
            }

            asked = clock.Elapsed;
            // Batch ids are UUIDv7, so their text sorts by time: the range lets DuckDB skip every
            // file and row group written before the oldest waiting batch by their min/max
            // statistics, instead of scanning the whole (growing) column on every probe. The
            // waiting ids are matched here, not in an IN list: DuckDB plans a list of hundreds
            // of literals as a join, and planning it cost the Analytics service more CPU than
            // the scan (perf, 2026-11-28).
            var sql = $"SELECT DISTINCT ingest_batch_id FROM {dataset} WHERE ingest_batch_id BETWEEN '{waiting.Min(StringComparer.Ordinal)}' AND '{waiting.Max(StringComparer.Ordinal)}'";
            using var response = await http.PostAsJsonAsync("/api/query", new { sql }, CancellationToken.None);
            if (!response.IsSuccessStatusCode)
            {
                seen = null;
                continue;
            }

            var now = clock.ElapsedTicks;
            foreach (var row in JsonDocument.Parse(await response.Content.ReadAsStringAsync(CancellationToken.None)).RootElement.GetProperty("rows").EnumerateArray())
            {
                if (probes.TryRemove(row[0].GetString()!, out var acked))
                {
                    freshness.Add((now - acked) / (double)Stopwatch.Frequency);
                }
            }
        }
    }

    /// <summary>
    /// 16 connections each binary-COPYing the same 1,000-record batches into ingest_records: the
    /// records per second, and the CPU per record each process spent on it.
    /// </summary>
    private static async Task<(double Rate, string Cpu)> CopyBaselineAsync(string database, TimeSpan duration)
    {
        await using var db = NpgsqlDataSource.Create(database);
        var cpuAtStart = ProcessCpu.Take();
        var marker = Guid.NewGuid();
        var workspace = Guid.Parse("00000000-0000-0000-0000-000000000001");
        var total = 0L;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            var sequence = 0L;
            while (clock.Elapsed < duration)
            {
                var records = Batch(client, sequence++).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                await using var connection = await db.OpenConnectionAsync();
                await using var tx = await connection.BeginTransactionAsync();
                // The slot a push of this moment would write into (the ring turns every 10 s).
                var slot = (short)(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 10 % 8);
                await using (var copy = await connection.BeginBinaryImportAsync("COPY ingest_records (workspace_id, batch_id, record, slot) FROM STDIN (FORMAT BINARY)"))
                {
                    foreach (var record in records)
                    {
                        await copy.StartRowAsync();
                        await copy.WriteAsync(workspace, NpgsqlDbType.Uuid);
                        await copy.WriteAsync(marker, NpgsqlDbType.Uuid);
                        await copy.WriteAsync(record, NpgsqlDbType.Json);
                        await copy.WriteAsync(slot, NpgsqlDbType.Smallint);
                    }

                    await copy.CompleteAsync();
                }

                await tx.CommitAsync();
                Interlocked.Add(ref total, records.Length);
            }
        })));
        var rate = total / clock.Elapsed.TotalSeconds;

        // Before the data source closes its connections: their backends' CPU ends with them.
        var cpu = ProcessCpu.PerRecord(ProcessCpu.Spent(cpuAtStart, ProcessCpu.Take()), total);

        // No cleanup: the rows belong to no batch, so the drains' recycling truncates their slots
        // (a DELETE would leave millions of dead rows for autovacuum during the measured push).
        return (rate, cpu);
    }
}

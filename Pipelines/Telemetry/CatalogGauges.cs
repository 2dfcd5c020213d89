using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using Ductus.Core.Catalog;
using Ductus.Core.Telemetry;
using Ductus.Pipelines.Lake;
using Npgsql;

namespace Ductus.Pipelines.Telemetry;

/// <summary>
/// The gauges that describe the catalog rather than one run: each dataset's freshness lag and
/// each dataset's ingest backlog, read once per <see cref="RefreshEvery"/> (one statement per
/// workspace, since row-level security shows a transaction one workspace) and served from
/// memory at every scrape, so a Prometheus scraping every few seconds, or several of them,
/// costs the catalog nothing more. Times are kept, not ages, so a lag keeps growing between
/// reads instead of standing still.
/// </summary>
public sealed class CatalogGauges : BackgroundService
{
    /// <summary>Often enough for alerts measured in minutes; a sweep is one statement per workspace.</summary>
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(15);

    private const string Sql = """
        SELECT coalesce(d.name, b.dataset), d.last_loaded_at, coalesce(b.records, 0), b.oldest
          FROM datasets d
          FULL JOIN (SELECT dataset, sum(records)::bigint AS records, min(received_at) AS oldest
                       FROM ingest_batches
                      WHERE consumed_at IS NULL
                      GROUP BY dataset) b ON b.dataset = d.name
        """;

    private readonly NpgsqlDataSource _db;
    private readonly CatalogStore _catalog;
    private readonly TimeProvider _time;
    private readonly ILogger<CatalogGauges> _logger;
    private FrozenDictionary<(string Workspace, string Dataset), DatasetState> _datasets = FrozenDictionary<(string, string), DatasetState>.Empty;

    public CatalogGauges(NpgsqlDataSource db, CatalogStore catalog, TimeProvider time, ILogger<CatalogGauges> logger, BackgroundCompaction? compaction = null)
    {
        _db = db;
        _catalog = catalog;
        _time = time;
        _logger = logger;
        var meter = DuctusTelemetry.Meter;
        meter.CreateObservableGauge("ductus.dataset.freshness_lag", ObserveFreshness, "s", "Seconds since the dataset's last committed load");
        meter.CreateObservableGauge("ductus.ingest.buffered", ObserveBuffered, "{record}", "Records pushed to the dataset and not yet drained into a snapshot");
        meter.CreateObservableGauge("ductus.ingest.drain_lag", ObserveDrainLag, "s", "Age of the oldest record still waiting in the ingest buffer (0 when none waits)");
        if (compaction is not null)
        {
            // The datasets an append found with a full tier, queued on this node and not yet compacted.
            meter.CreateObservableGauge("ductus.compaction.backlog", () => compaction.Waiting, "{dataset}", "Datasets with a full size tier waiting for compaction");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshEvery, _time);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // The last values stay: a catalog outage shows in /health, not as datasets vanishing from the graphs.
                _logger.LogWarning("Catalog gauges not refreshed: {Message}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Reads every workspace's datasets and ingest buffer once.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        var datasets = new Dictionary<(string, string), DatasetState>();
        foreach (var workspace in await _catalog.Workspaces.ListAsync(ct))
        {
            await using var read = await WorkspaceRead.ExecuteAsync(_db, workspace.Id, WorkspaceRead.Query(Sql), ct);
            while (await read.Reader.ReadAsync(ct))
            {
                datasets[(workspace.Name, read.Reader.GetString(0))] = new DatasetState(
                    read.Reader.NullableValue<DateTime>(1) is { } loaded ? new DateTimeOffset(loaded, TimeSpan.Zero) : null,
                    read.Reader.GetInt64(2),
                    read.Reader.NullableValue<DateTime>(3) is { } oldest ? new DateTimeOffset(oldest, TimeSpan.Zero) : null);
            }
        }

        _datasets = datasets.ToFrozenDictionary();
    }

    private IEnumerable<Measurement<double>> ObserveFreshness()
    {
        var now = _time.GetUtcNow();
        return _datasets
            .Where(d => d.Value.LastLoadedAt is not null)
            .Select(d => new Measurement<double>(Math.Max(0, (now - d.Value.LastLoadedAt!.Value).TotalSeconds), Tags(d.Key)));
    }

    // Every dataset gets a series, 0 when nothing waits, so a graph drops to 0 once drained instead of breaking off.
    private IEnumerable<Measurement<long>> ObserveBuffered() =>
        _datasets.Select(d => new Measurement<long>(d.Value.Buffered, Tags(d.Key)));

    private IEnumerable<Measurement<double>> ObserveDrainLag()
    {
        var now = _time.GetUtcNow();
        return _datasets
            .Select(d => new Measurement<double>(
                d.Value.OldestBuffered is { } oldest ? Math.Max(0, (now - oldest).TotalSeconds) : 0, Tags(d.Key)));
    }

    private static KeyValuePair<string, object?>[] Tags((string Workspace, string Dataset) key) =>
        [new("workspace", key.Workspace), new("dataset", key.Dataset)];

    private sealed record DatasetState(DateTimeOffset? LastLoadedAt, long Buffered, DateTimeOffset? OldestBuffered);
}

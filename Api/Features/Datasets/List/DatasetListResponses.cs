using System.Collections.Concurrent;
using System.Text.Json;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using Microsoft.Extensions.Options;

namespace Ductus.Api.Features.Datasets.List;

/// <summary>
/// The unfiltered dataset list as <c>GET /api/datasets</c> sends it, serialized once and then sent
/// as the same bytes while nothing in it can have changed: the catalog hands out the same cached
/// list (its version token did not move), and no dataset's freshness has reached its next turning
/// point (the time it turns stale, or late at level warn or error). The list is the catalog's
/// hottest read; mapping and serializing its ~10 KB on every request was a fifth of its CPU
/// (perf, <c>bench/run.sh api</c>). One entry per workspace.
/// </summary>
public sealed class DatasetListResponses(TimeProvider time, IOptions<CatalogOptions> options)
{
    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();

    private sealed record Entry(IReadOnlyList<DatasetRecord> Source, DateTimeOffset ValidUntil, byte[] Json);

    /// <summary>The response body for <paramref name="datasets"/>, the workspace's whole list as the catalog returned it.</summary>
    public byte[] Json(Guid workspaceId, IReadOnlyList<DatasetRecord> datasets, JsonSerializerOptions json)
    {
        ArgumentNullException.ThrowIfNull(datasets);
        var now = time.GetUtcNow();
        // By reference: a list read again from PostgreSQL (a new token, or no Redis to validate
        // one) is a new instance, so it can never be answered from here.
        if (_entries.TryGetValue(workspaceId, out var hit) && ReferenceEquals(hit.Source, datasets) && now < hit.ValidUntil)
        {
            return hit.Json;
        }

        var tolerance = options.Value.FreshnessTolerance;
        var response = new Response([.. datasets.Select(d => Dataset.From(d, now, tolerance))]);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(response, json);
        _entries[workspaceId] = new Entry(datasets, NextTurn(datasets, now, tolerance), bytes);
        return bytes;
    }

    /// <summary>The first instant after <paramref name="now"/> at which some dataset's freshness status or level may read differently.</summary>
    private static DateTimeOffset NextTurn(IReadOnlyList<DatasetRecord> datasets, DateTimeOffset now, TimeSpan tolerance)
    {
        var next = DateTimeOffset.MaxValue;
        foreach (var dataset in datasets)
        {
            var freshness = Core.Catalog.Freshness.Evaluate(dataset, now, tolerance);
            var lateness = dataset.Sla is { } sla ? Core.Catalog.Freshness.Lateness(sla, dataset.LastLoadedAt, now, tolerance) : null;
            // Fresh while now <= due by, so it reads stale only after it: the entry may answer up to
            // and including due by, which "now < ValidUntil" with ValidUntil = due by keeps on the safe side.
            foreach (var turn in new[] { freshness.DueBy, lateness?.WarnAt, lateness?.ErrorAt })
            {
                if (turn is { } at && at > now && at < next)
                {
                    next = at;
                }
            }
        }

        return next;
    }
}

using System.Runtime.CompilerServices;
using System.Security.Claims;
using Ductus.Api.Auth;
using Ductus.Api.Features.Runs;
using Ductus.Api.Query;
using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Ductus.Core.Models;
using Ductus.Core.Pii;
using Ductus.Core.Query;

namespace Ductus.Api.Pii;

/// <summary>
/// What one statement does with personal data: for a caller without <c>pii:read</c>, the masks of
/// the datasets it reads; for one with it, the audit row of the PII columns its result is made of.
/// </summary>
/// <param name="Masks">Dataset → PII columns to mask in the worker's views; null when nothing is masked.</param>
/// <param name="Audit">The unmasked read to audit; null when the result holds no PII or it is masked.</param>
/// <param name="CacheKey">
/// The mask profile, part of the query cache key: a masked result must never answer an
/// unmasked caller, nor one masked by other rules (a spec changed since).
/// </param>
public sealed record PiiDecision(IReadOnlyDictionary<string, IReadOnlyList<PiiColumn>>? Masks, PiiReadAudit? Audit, string CacheKey)
{
    public static PiiDecision None { get; } = new(null, null, string.Empty);
}

/// <summary>
/// Decides <see cref="PiiDecision"/> from the workspace's saved specs (<see cref="PiiProfile"/>)
/// and the caller's grant. A column classified a moment ago is masked from the next statement on:
/// the profile is kept only as long as the catalog's cached pipeline and dataset lists it was
/// worked out from, which every save of a spec and every commit replace.
/// </summary>
public sealed class PiiAccess(CatalogStore catalog)
{
    // Working a profile out traces column lineage through the writers' SQL; per statement it cost
    // more than the rest of a cached answer. Keyed by the very list instances the catalog's cache
    // hands out (by reference), so a changed list makes a new profile and an old one goes with it.
    private static readonly ConditionalWeakTable<IReadOnlyList<PipelineRecord>, ConditionalWeakTable<IReadOnlyList<DatasetRecord>, PiiProfile>> Profiles = new();

    /// <summary>The PII columns of the workspace's datasets, for the read paths that mask outside the worker (rejects, run errors).</summary>
    public async Task<PiiProfile> ProfileAsync(Guid workspace, CancellationToken ct)
    {
        var pipelines = await catalog.Pipelines.ListAsync(workspace, ct);
        var datasets = await catalog.Datasets.ListAsync(workspace, ct);
        return Profiles.GetOrCreateValue(pipelines).GetValue(datasets, d => new PiiProfile(pipelines, d));
    }

    /// <summary>How <paramref name="user"/> sees the values of <paramref name="dataset"/> the Api reads itself (rejects): masked, unless it holds <c>pii:read</c>.</summary>
    public async Task<PiiValueMask> ValueMaskAsync(ClaimsPrincipal user, string dataset, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.CanReadPii())
        {
            return PiiValueMask.None;
        }

        var workspace = user.WorkspaceId();
        var columns = (await ProfileAsync(workspace, ct)).Of(dataset);
        return columns.Count == 0 ? PiiValueMask.None : new PiiValueMask(await catalog.PiiSalts.GetAsync(workspace, ct), columns);
    }

    /// <summary>
    /// How <paramref name="user"/> sees runs' errors: a run of a dataset with PII has the quoted
    /// literals of its error (where DuckDB quotes the value that failed, <c>'alice@example.com'</c>)
    /// replaced by <c>'***'</c>, unless the user holds <c>pii:read</c>. For every read of a run:
    /// its page, lists, and the event streams the web UI follows.
    /// </summary>
    public async Task<Func<Run, Run>> RunViewAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.CanReadPii())
        {
            return run => run;
        }

        var profile = await ProfileAsync(user.WorkspaceId(), ct);
        // By the run's dataset, which a failed first run never committed: its spec still says what is personal.
        return run => run.Error is { } error && profile.Of(run.Dataset) is { Count: > 0 } columns
            ? run with { Error = new PiiValueMask(string.Empty, columns).Redacted(error) }
            : run;
    }

    public async Task<PiiDecision> DecideAsync(QueryScope scope, GuardResult guard, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(guard);
        var pii = (await ProfileAsync(scope.Workspace, ct)).Of(guard.Datasets);
        if (pii.Count == 0)
        {
            return PiiDecision.None;
        }

        if (!scope.Reader.CanReadPii)
        {
            var key = "masked:" + string.Join(';', pii.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
                .Select(p => p.Key.ToLowerInvariant() + "=" + string.Join(',', p.Value.Select(c => $"{c.Column}:{c.Mask}"))));
            return new PiiDecision(pii, null, key);
        }

        var revealed = Revealed(guard.Sql!, guard.Datasets, pii, scope);
        return revealed.Count == 0
            ? PiiDecision.None
            : new PiiDecision(null, new PiiReadAudit(scope.Reader.Actor, revealed, scope.Reader.RequestId), "unmasked");
    }

    /// <summary>
    /// <c>dataset.column</c> of each PII column some output column of <paramref name="sql"/> is
    /// made from (its column lineage); every PII column read when the lineage is not resolved.
    /// A <c>count(*)</c> over a PII dataset reveals none.
    /// </summary>
    private static List<string> Revealed(string sql, IReadOnlyList<string> read, IReadOnlyDictionary<string, IReadOnlyList<PiiColumn>> pii, QueryScope scope)
    {
        var relations = read.ToDictionary(
            d => d,
            d => scope.Datasets.TryGetValue(d, out var record) && record.Columns.Count > 0 ? (IReadOnlyList<string>?)[.. record.Columns.Select(c => c.Name)] : null,
            StringComparer.OrdinalIgnoreCase);

        var all = pii.SelectMany(p => p.Value.Select(c => $"{p.Key}.{c.Column}")).Order(StringComparer.Ordinal).ToList();
        var lineage = ColumnLineage.Analyze(sql, relations);
        if (!lineage.IsComplete || lineage.Columns.Any(c => c.Unknown is not null))
        {
            return all;
        }

        return [.. lineage.Columns.SelectMany(c => c.Sources)
            .Where(s => pii.TryGetValue(s.Relation, out var columns) && columns.Any(c => string.Equals(c.Column, s.Column, StringComparison.OrdinalIgnoreCase)))
            .Select(s => $"{pii.Keys.First(k => string.Equals(k, s.Relation, StringComparison.OrdinalIgnoreCase))}.{s.Column}")
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.Ordinal)];
    }
}

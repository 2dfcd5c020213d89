using System.Collections.Concurrent;

namespace Ductus.Core.Catalog;

/// <summary>
/// The catalog's hottest reads (the dataset list behind every query and the catalog endpoint,
/// a run polled by its watchers) served from memory while the area's version token is
/// unchanged: one Redis GET instead of a PostgreSQL statement. One per process, shared by the
/// parts of <see cref="CatalogStore"/> that read and write these areas, so that a process's own
/// change is seen by its next read even when Redis is unreachable. Without
/// <see cref="ICatalogVersions"/> nothing is cached. Only <see cref="CatalogStore"/> makes one:
/// the type is public so the parts can name it, and offers nothing outside this assembly.
/// </summary>
public sealed class CatalogCache
{
    /// <summary>
    /// How long a cached read may be served under an unchanged token. Tokens change with every
    /// commit, so this only bounds the harm of a change whose new token never reached Redis.
    /// </summary>
    private static readonly TimeSpan MaxCacheAge = TimeSpan.FromSeconds(30);

    private const int MaxCachedRuns = 10_000;

    private readonly ConcurrentDictionary<Guid, Cached<IReadOnlyList<DatasetRecord>>> _datasets = new();

    // Under the datasets' token: every change of a pipeline moves it (the listed datasets carry
    // their pipeline's SLA), and the PII masks of every query and run read are worked out from
    // these specs, so they must not cost a catalog read each.
    private readonly ConcurrentDictionary<Guid, Cached<IReadOnlyList<PipelineRecord>>> _pipelines = new();
    private readonly ConcurrentDictionary<(Guid, Guid), Cached<RunRecord>> _runs = new();

    // What a model's run read and how it built, shown on every read of the run's page: part of
    // the run, so under the runs' token, which recording them moves.
    private readonly ConcurrentDictionary<(Guid, Guid), Cached<ModelRunRecord>> _modelRuns = new();

    private readonly TimeProvider _time;
    private readonly ICatalogVersions? _versions;

    internal CatalogCache(TimeProvider time, ICatalogVersions? versions)
    {
        _time = time;
        _versions = versions;
    }

    private sealed record Cached<T>(string Token, long At, T Value);

    /// <summary>Whether reads are cached at all (there are version tokens to validate them by).</summary>
    internal bool Enabled => _versions is not null;

    /// <summary>The workspace's datasets, from memory or else from <paramref name="load"/>.</summary>
    internal async Task<IReadOnlyList<DatasetRecord>> DatasetsAsync(Guid workspaceId, Func<Task<IReadOnlyList<DatasetRecord>>> load) =>
        (await GetOrLoadAsync(_datasets, workspaceId, workspaceId, CatalogArea.Datasets, int.MaxValue, async () => await load()))!;

    /// <summary>The workspace's pipelines (archived ones left out), from memory or else from <paramref name="load"/>.</summary>
    internal async Task<IReadOnlyList<PipelineRecord>> PipelinesAsync(Guid workspaceId, Func<Task<IReadOnlyList<PipelineRecord>>> load) =>
        (await GetOrLoadAsync(_pipelines, workspaceId, workspaceId, CatalogArea.Datasets, int.MaxValue, async () => await load()))!;

    /// <summary>A run, from memory or else from <paramref name="load"/>; a missing run is not remembered.</summary>
    internal Task<RunRecord?> RunAsync(Guid workspaceId, Guid runId, Func<Task<RunRecord?>> load) =>
        GetOrLoadAsync(_runs, (workspaceId, runId), workspaceId, CatalogArea.Runs, MaxCachedRuns, load);

    /// <summary>A run's model inputs and build, from memory or else from <paramref name="load"/>.</summary>
    internal async Task<ModelRunRecord> ModelRunAsync(Guid workspaceId, Guid runId, Func<Task<ModelRunRecord>> load) =>
        (await GetOrLoadAsync(_modelRuns, (workspaceId, runId), workspaceId, CatalogArea.Runs, MaxCachedRuns, async () => await load()))!;

    /// <summary>
    /// After a commit: forget this process's cached reads of the area at once (its own next read
    /// must see the change even if Redis is unreachable), then move the shared token.
    /// </summary>
    internal async Task ChangedAsync(Guid workspaceId, CatalogArea area)
    {
        if (area == CatalogArea.Datasets)
        {
            _datasets.TryRemove(workspaceId, out _);
            _pipelines.TryRemove(workspaceId, out _);
        }
        else
        {
            ForgetWorkspace(_runs, workspaceId);
            ForgetWorkspace(_modelRuns, workspaceId);
        }

        if (_versions is not null)
        {
            await _versions.ChangedAsync(workspaceId, area);
        }
    }

    private static void ForgetWorkspace<T>(ConcurrentDictionary<(Guid, Guid), Cached<T>> entries, Guid workspaceId)
    {
        foreach (var key in entries.Keys)
        {
            if (key.Item1 == workspaceId)
            {
                entries.TryRemove(key, out _);
            }
        }
    }

    /// <summary>
    /// The token is read before the value, so an entry is never kept under a token newer than
    /// what was read; at <paramref name="capacity"/> entries the whole map is dropped.
    /// </summary>
    private async Task<T?> GetOrLoadAsync<TKey, T>(
        ConcurrentDictionary<TKey, Cached<T>> entries, TKey key, Guid workspaceId, CatalogArea area, int capacity, Func<Task<T?>> load)
        where TKey : notnull
        where T : class
    {
        var token = _versions is null ? null : await _versions.CurrentAsync(workspaceId, area);
        if (token is null && _versions is not null)
        {
            // Redis is away: a change committed meanwhile moves no token, so what is cached now
            // could be served as current once Redis is back. Reads go to PostgreSQL until then.
            _datasets.Clear();
            _pipelines.Clear();
            _runs.Clear();
            _modelRuns.Clear();
        }

        if (token is not null && entries.TryGetValue(key, out var hit) && hit.Token == token && _time.GetElapsedTime(hit.At) < MaxCacheAge)
        {
            return hit.Value;
        }

        var value = await load();
        if (token is not null && value is not null)
        {
            if (entries.Count >= capacity)
            {
                entries.Clear();
            }

            entries[key] = new Cached<T>(token, _time.GetTimestamp(), value);
        }

        return value;
    }
}

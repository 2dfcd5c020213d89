using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Core.Pii;
using Ductus.Core.Query;
using Microsoft.Extensions.Options;

namespace Ductus.Analytics.Query;

/// <summary>
/// Turns a <see cref="QueryRequest"/> into a ready sandbox: checks the statement against the
/// workspace's datasets, resolves each referenced dataset's pinned or current snapshot in the
/// catalog, and opens a sandbox with one view per dataset: a warm one from <paramref name="pool"/>
/// when given (the analytics worker), else a new instance per query.
/// </summary>
public sealed class QueryEngine(CatalogStore catalog, IOptions<LakeOptions> lake, IOptions<QueryOptions> options, SandboxPool? pool = null)
{
    /// <exception cref="QueryRefusedException">The guard refused the statement.</exception>
    /// <exception cref="QueryNotFoundException">The workspace, a dataset or a pinned version does not exist.</exception>
    public async Task<QuerySession> OpenAsync(QueryRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = options.Value;
        // The name picks the lake folder and the id the catalog rows: a caller that mixed two
        // workspaces up must not get one workspace's views over the other's folder.
        // Two independent catalog reads, run together (each is a round trip on its own connection).
        var workspaceId = catalog.Workspaces.FindAsync(request.Workspace, ct);
        var listed = catalog.Datasets.ListAsync(request.WorkspaceId, ct);
        await Task.WhenAll(workspaceId, listed);
        if (await workspaceId != request.WorkspaceId)
        {
            throw new QueryNotFoundException($"workspace '{request.Workspace}' does not exist or does not have this id");
        }

        var datasets = await listed;
        var guard = await SqlGuard.CheckAsync(request.Sql, datasets.Select(d => d.Name).ToList(), ct);
        if (!guard.Allowed)
        {
            throw new QueryRefusedException(guard.Error ?? "the statement was refused");
        }

        var versions = request.Versions ?? new Dictionary<string, long>();
        foreach (var pinned in versions.Keys)
        {
            if (!guard.Datasets.Contains(pinned, StringComparer.OrdinalIgnoreCase))
            {
                throw new QueryRefusedException($"a version is pinned for '{pinned}', which the statement does not read");
            }
        }

        var workspaceFolder = Path.Combine(lake.Value.Root, request.Workspace);
        var views = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        var read = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var dataset in guard.Datasets)
        {
            long? version = versions.FirstOrDefault(v => string.Equals(v.Key, dataset, StringComparison.OrdinalIgnoreCase)) is { Key: not null } pin
                ? pin.Value
                : null;
            var snapshot = await catalog.Datasets.PinAsync(request.WorkspaceId, dataset, version, lake.Value.Root, ct)
                ?? throw new QueryNotFoundException(version is null
                    ? $"dataset '{dataset}' has no snapshot yet"
                    : $"dataset '{dataset}' has no version {version}");
            if (snapshot.Files.Count == 0)
            {
                throw new QueryNotFoundException($"dataset '{dataset}' version {snapshot.Version} has no files");
            }

            views[dataset] = snapshot.Files;
            read[dataset] = snapshot.Version;
        }

        var limit = Math.Clamp(request.Limit ?? settings.MaxRows, 0, settings.MaxRows);
        var timeout = request.Timeout is { } asked && asked > TimeSpan.Zero && asked < settings.Timeout ? asked : settings.Timeout;
        var masks = await MasksAsync(request, views.Keys, ct);
        var sandbox = pool is null
            ? await QuerySandbox.OpenAsync(workspaceFolder, views, settings, masks, ct)
            : await pool.OpenAsync(workspaceFolder, views, masks, ct);
        return new QuerySession(sandbox, guard.Sql!, request.Parameters, limit, timeout, read);
    }

    /// <summary>
    /// The masks of the datasets the statement reads, with the workspace's salt. A custom mask is
    /// held to the guard again here (the spec's was at save time): one it refuses now reads as
    /// NULL, since a mask that cannot run must still hide the value.
    /// </summary>
    private async Task<ViewMasks?> MasksAsync(QueryRequest request, IEnumerable<string> read, CancellationToken ct)
    {
        if (request.Masks is not { Count: > 0 } asked)
        {
            return null;
        }

        var columns = new Dictionary<string, IReadOnlyList<PiiColumn>>(StringComparer.OrdinalIgnoreCase);
        foreach (var dataset in read)
        {
            if (asked.FirstOrDefault(m => string.Equals(m.Key, dataset, StringComparison.OrdinalIgnoreCase)).Value is not { Count: > 0 } pii)
            {
                continue;
            }

            var checkedColumns = new List<PiiColumn>();
            foreach (var column in pii)
            {
                var refused = column.Kind == PiiMaskKind.Expression && await PiiSpecRules.GuardAsync(column.Mask, column.Column, dataset, ct) is not null;
                checkedColumns.Add(refused ? column with { Mask = PiiMasks.Null } : column);
            }

            columns[dataset] = checkedColumns;
        }

        return columns.Count == 0 ? null : new ViewMasks(await catalog.PiiSalts.GetAsync(request.WorkspaceId, ct), columns);
    }
}

/// <summary>A checked statement with its sandbox, ready to run once; dispose to drop the instance and its scratch files.</summary>
/// <param name="Versions">The snapshot version read for each dataset (what a cache key needs).</param>
public sealed class QuerySession(
    QuerySandbox sandbox,
    string sql,
    IReadOnlyDictionary<string, object?>? parameters,
    int maxRows,
    TimeSpan timeout,
    IReadOnlyDictionary<string, long> versions) : IAsyncDisposable
{
    /// <summary>The statement as checked and run (DuckDB's rendering of its parse tree).</summary>
    public string Sql => sql;

    public int MaxRows => maxRows;

    public IReadOnlyDictionary<string, long> Versions => versions;

    public Task<QueryCursor> QueryAsync(CancellationToken ct = default) =>
        sandbox.QueryAsync(sql, parameters, maxRows, timeout, ct);

    public Task<ParquetResult> WriteParquetAsync(CancellationToken ct = default) =>
        sandbox.WriteParquetAsync(sql, parameters, maxRows, timeout, ct);

    public ValueTask DisposeAsync() => sandbox.DisposeAsync();
}

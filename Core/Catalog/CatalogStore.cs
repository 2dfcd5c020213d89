using Npgsql;

namespace Ductus.Core.Catalog;

/// <summary>
/// The PostgreSQL catalog, one part per aggregate: workspaces, pipelines, runs, the snapshot
/// commit and the datasets it makes visible. Every query filters by workspace itself and also
/// acts for the workspace (<see cref="WorkspaceScope"/>) for the row-level security policies, so
/// isolation holds whether the connection's role bypasses RLS or not (services should connect
/// as, or <c>SET ROLE</c> to, <c>ductus_app</c>, which does not).
/// </summary>
/// <remarks>
/// The parts are built here, together, because they share one <see cref="CatalogCache"/>: the
/// runs and the commit forget the cached reads they change, so a process's own change is seen
/// by its next read even when Redis is unreachable. One instance per process; without
/// <see cref="ICatalogVersions"/> nothing is cached.
/// </remarks>
public sealed class CatalogStore
{
    public CatalogStore(NpgsqlDataSource db, TimeProvider time, ICatalogVersions? versions = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(time);
        Time = time;
        var cache = new CatalogCache(time, versions);
        Workspaces = new WorkspaceCatalog(db, time);
        Pipelines = new PipelineCatalog(db, time, cache);
        Runs = new RunCatalog(db, time, cache);
        Committer = new SnapshotCommitter(db, time, cache);
        Datasets = new DatasetCatalog(db, time, cache);
        Models = new ModelCatalog(db, time, cache);
        PiiSalts = new PiiSalts(db);
    }

    /// <summary>The clock the catalog stamps rows with, for readers that compare against them.</summary>
    public TimeProvider Time { get; }

    public WorkspaceCatalog Workspaces { get; }

    public PipelineCatalog Pipelines { get; }

    public RunCatalog Runs { get; }

    public SnapshotCommitter Committer { get; }

    public DatasetCatalog Datasets { get; }

    public ModelCatalog Models { get; }

    /// <summary>Each workspace's salt for hash masks: the analytics worker's and the Api's, never an answer's.</summary>
    public PiiSalts PiiSalts { get; }
}

using Ductus.Core.Catalog;
using Npgsql;

namespace Ductus.Pipelines.Lake;

/// <summary>
/// Deletes lake files that no snapshot references: files of runs that failed or were
/// cancelled after writing, and files that only expired snapshots used. A file must also be
/// older than the grace period, because a run writes its files before it commits them; the
/// grace period must therefore exceed the longest run (its timeout).
/// </summary>
public sealed class LakeGarbageCollector(NpgsqlDataSource db, string lakeRoot, TimeProvider time)
{
    private readonly string _lakeRoot = Path.GetFullPath(lakeRoot);

    /// <summary>Deletes unreferenced <c>*.parquet</c> files under the lake root older than <paramref name="grace"/>.</summary>
    public async Task<CollectionResult> CollectAsync(TimeSpan grace, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        if (!Directory.Exists(_lakeRoot))
        {
            return new CollectionResult(0, 0, 0, 0);
        }

        // Read the references before listing files: a file committed after this read is at
        // least as old as its run, and the grace period covers runs in flight.
        var referenced = await ReferencedPathsAsync(ct);
        var cutoff = time.GetUtcNow().UtcDateTime - grace;
        int deleted = 0, kept = 0, inUse = 0;
        long bytes = 0;
        foreach (var file in Directory.EnumerateFiles(_lakeRoot, "*.parquet", SearchOption.AllDirectories))
        {
            ct.ThrowIfCancellationRequested();
            var relative = Path.GetRelativePath(_lakeRoot, file).Replace(Path.DirectorySeparatorChar, '/');
            if (referenced.Contains(relative))
            {
                inUse++;
                continue;
            }

            var info = new FileInfo(file);
            if (info.LastWriteTimeUtc > cutoff)
            {
                kept++;
                continue;
            }

            try
            {
                var length = info.Length;
                info.Delete();
                deleted++;
                bytes += length;
            }
            catch (FileNotFoundException)
            {
                // Another collector got there first.
            }
        }

        return new CollectionResult(deleted, bytes, inUse, kept);
    }

    /// <summary>
    /// Retention: deletes all but the newest <paramref name="keepLast"/> snapshots of a dataset
    /// (the current one is always kept). Files only those snapshots used become collectable.
    /// Returns how many snapshots were deleted.
    /// </summary>
    public async Task<int> ExpireSnapshotsAsync(Guid workspaceId, string dataset, int keepLast, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("""
            DELETE FROM snapshots
             WHERE workspace_id = @ws AND dataset = @dataset
               AND version <= (SELECT current_version FROM datasets WHERE workspace_id = @ws AND name = @dataset) - @keep
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("keep", (long)keepLast);
        var expired = await command.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return expired;
    }

    /// <summary>
    /// Every path any snapshot references, gathered one workspace at a time so that it works
    /// under row-level security as well as for a role that bypasses it.
    /// </summary>
    private async Task<HashSet<string>> ReferencedPathsAsync(CancellationToken ct)
    {
        var workspaces = new List<Guid>();
        await using (var list = db.CreateCommand("SELECT id FROM workspaces"))
        await using (var reader = await list.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                workspaces.Add(reader.GetGuid(0));
            }
        }

        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var workspace in workspaces)
        {
            await using var tx = await WorkspaceTransaction.BeginAsync(db, workspace, ct);
            await using var command = tx.Command("SELECT DISTINCT path FROM snapshot_files WHERE workspace_id = @ws").With("ws", workspace);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                paths.Add(reader.GetString(0));
            }
        }

        return paths;
    }
}

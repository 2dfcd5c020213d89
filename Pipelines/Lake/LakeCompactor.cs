using DuckDB.NET.Data;
using Ductus.Core.Catalog;
using Ductus.Core.DuckDb;
using Ductus.Core.Lake;
using Ductus.Core.Quoting;
using Ductus.Pipelines.Engine;

namespace Ductus.Pipelines.Lake;

/// <summary>
/// Folds a dataset's small files into one (<see cref="LakeCompaction"/> picks them) and commits
/// the swap as a snapshot of its own. It runs beside the appends, never inside one: a drain's
/// rows are visible as soon as its own commit is, however large the rewrite, and appends that
/// commit while the compactor writes are kept (<see cref="SnapshotCommitter.CommitCompactionAsync"/>
/// redoes the swap on top of them). If a replace or merge rewrote the files meanwhile, the
/// compacted file is deleted and nothing changes.
/// </summary>
public sealed class LakeCompactor(CatalogStore catalog, string lakeRoot, ILogger<LakeCompactor> logger)
{
    private readonly string _lakeRoot = Path.GetFullPath(lakeRoot);

    /// <summary>The clock of the waits for the catalog after a commit was cut off.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How many files of one size tier make a compaction; below 2, never.</summary>
    public int FilesPerTier { get; init; } = 16;

    /// <summary>DuckDB threads for the rewrite: one, so a compaction leaves the other cores to the drains.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>DuckDB memory limit for the rewrite; above it DuckDB spills to a scratch folder.</summary>
    public string MemoryLimit { get; init; } = "1GB";

    /// <summary>
    /// Compacts until no tier of the dataset is full (a fold can fill the tier above), at most
    /// 16 rounds. Returns the snapshots committed, oldest first.
    /// </summary>
    public async Task<IReadOnlyList<CommitResult>> CompactAsync(Guid workspaceId, string workspace, string dataset, CancellationToken ct)
    {
        var commits = new List<CommitResult>();
        for (var round = 0; round < 16; round++)
        {
            if (await CompactOnceAsync(workspaceId, workspace, dataset, ct) is not { } commit)
            {
                break;
            }

            commits.Add(commit);
        }

        return commits;
    }

    /// <summary>
    /// One fold of the lowest full tier; null when none is full, another commit replaced the
    /// files first, or the catalog went away during the commit and, back, lists the new file.
    /// </summary>
    public async Task<CommitResult?> CompactOnceAsync(Guid workspaceId, string workspace, string dataset, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workspace);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataset);
        if (!LakeFolders.IsSingleFolderName(workspace) || !LakeFolders.IsSingleFolderName(dataset))
        {
            throw new ArgumentException($"Workspace '{workspace}' and dataset '{dataset}' must each be a single folder name.", nameof(dataset));
        }

        var snapshot = await catalog.Datasets.GetSnapshotAsync(workspaceId, dataset, null, ct);
        var picked = snapshot is null ? [] : LakeCompaction.Pick(snapshot.Files, FilesPerTier);
        if (picked.Count == 0)
        {
            return null;
        }

        var folder = Path.Combine(_lakeRoot, workspace, dataset);
        var name = $"compact-{Guid.CreateVersion7():N}.parquet";
        var path = Path.Combine(folder, name);
        var scratch = Path.Combine(Path.GetTempPath(), $"ductus-compact-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        var undecided = false;
        try
        {
            var file = await RewriteAsync(picked, folder, scratch, path, $"{workspace}/{dataset}/{name}", ct);
            var held = picked.Sum(f => f.Rows);
            if (file.Rows != held)
            {
                throw new InvalidDataException($"Compacting {picked.Count} files of '{dataset}' wrote {file.Rows} rows, not the {held} they hold.");
            }

            CommitResult commit;
            try
            {
                commit = await catalog.Committer.CommitCompactionAsync(workspaceId, dataset, [.. picked.Select(f => f.RelativePath)], file, ct);
            }
            catch (Exception e) when (CatalogOutage.IsOutage(e))
            {
                bool committed;
                try
                {
                    committed = await CommittedAllTheSameAsync(workspaceId, dataset, file.RelativePath, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    // Stopping before the catalog could tell: the file stays; if no snapshot
                    // lists it, the garbage collector takes it.
                    undecided = true;
                    throw;
                }

                if (!committed)
                {
                    throw;
                }

                logger.LogWarning(
                    e, "Compaction of {Workspace}/{Dataset} committed although the catalog went away before it said so; {File} is kept",
                    workspace, dataset, file.RelativePath);
                return null;
            }

            logger.LogInformation(
                "Compacted {Files} files ({Rows} rows, {Bytes} bytes) of {Workspace}/{Dataset} into one of {NewBytes} bytes as v{Version}",
                picked.Count, held, picked.Sum(f => f.Bytes), workspace, dataset, file.Bytes, commit.Version);
            return commit;
        }
        catch (CommitConflictException e)
        {
            File.Delete(path);
            logger.LogInformation("Compaction of {Workspace}/{Dataset} discarded: {Reason}", workspace, dataset, e.Message);
            return null;
        }
        catch when (!undecided)
        {
            File.Delete(path);
            throw;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>
    /// After the connection was cut during the commit: whether PostgreSQL committed it all the
    /// same (it had the COMMIT, its answer was lost, e.g. a fast shutdown ending the session while
    /// it waited for a synchronous standby). Only the catalog can tell, so this waits for it to
    /// be back: deleting a file a snapshot lists would make the dataset unreadable.
    /// </summary>
    private Task<bool> CommittedAllTheSameAsync(Guid workspaceId, string dataset, string relativePath, CancellationToken ct) =>
        CatalogOutage.WaitOutAsync(
            c => catalog.Committer.CommittedAllTheSameAsync(workspaceId, dataset, relativePath, c),
            Time,
            e => logger.LogDebug("Waiting for the catalog to learn whether the compaction of {Dataset} committed: {Reason}", dataset, e.Message),
            ct);

    /// <summary>
    /// Writes the files' rows into one file. union_by_name, as the query views read them: a file
    /// from before a column was added gets it as NULL.
    /// </summary>
    private async Task<LakeFile> RewriteAsync(IReadOnlyList<LakeFile> files, string folder, string scratch, string path, string relativePath, CancellationToken ct)
    {
        await using var connection = new DuckDBConnection("Data Source=:memory:");
        await connection.OpenAsync(ct);
        var db = new DuckDbSession(connection, ct);
        await db.ExecAsync($"""
            SET threads = {Sql.Number(Math.Max(1, Threads))};
            SET memory_limit = {Sql.Literal(MemoryLimit)};
            SET temp_directory = {Sql.Literal(scratch)};
            SET preserve_insertion_order = false;
            """);
        // Paths come from the catalog, not from users, but the connection is still confined to
        // the dataset's folder and its own scratch.
        await DuckDbLockdown.Allowing([folder, scratch], []).ApplyAsync(connection, ct);

        var sources = string.Join(", ", files.Select(f => Sql.Literal(Path.Combine(_lakeRoot, f.RelativePath))));
        await db.ExecAsync($"COPY (SELECT * FROM read_parquet([{sources}], union_by_name = true)) TO {Sql.Literal(path)} (FORMAT parquet, COMPRESSION zstd)");
        return await ParquetFooter.ReadAsync(db, path, relativePath);
    }
}

using Ductus.Core.Lake;
using Ductus.Pipelines.Lake;

namespace Ductus.Pipelines.Engine;

/// <summary>
/// The load step's writes into the dataset's lake folder: the file of rows that passed the
/// contract and, for a merge, the rewrites of current files that held the run's keys
/// (<see cref="MergeWriter"/>). Each file is described from its Parquet footer as the catalog
/// lists it and remembered, so a run that fails afterwards takes its files back; the catalog
/// learns of none of them until the caller commits.
/// </summary>
internal sealed class LakeWriter(RunScope run)
{
    private readonly List<string> written = [];

    /// <summary>Moves the passing rows' file into the dataset's lake folder and records its stats.</summary>
    public async Task LoadAsync(PassedRows passed)
    {
        var (context, output) = (run.Context, run.Output);
        if (passed.File is null)
        {
            output.Files = [];
            return;
        }

        var fileName = $"{context.RunId}-0.parquet";
        var path = Path.Combine(run.DatasetFolder, fileName);
        written.Add(path);
        // A rename when scratch and lake share a file system, a copy otherwise.
        File.Move(passed.File, path);
        var stats = await ParquetFooter.StatsAsync(run.Db, path, passed.Columns);
        var file = new LakeFile(run.RelativePath(fileName), output.RowsLoaded, new FileInfo(path).Length, stats);
        output.Files = [file];
        output.BytesWritten = file.Bytes;
        context.Progress?.Report(new RunProgress(RunSteps.Load, file.Rows));
    }

    /// <summary>For a merge target: rewrites the current files that hold keys of the loaded rows, for the snapshot to swap in.</summary>
    public async Task MergeAsync()
    {
        var (context, output) = (run.Context, run.Output);
        if (output.Files.Count == 0)
        {
            return;
        }

        var merge = await new MergeWriter(run.Db).MergeAsync(
            run.Spec.Target.Key,
            [.. output.Files.Select(f => Path.Combine(context.LakeRoot, f.RelativePath))],
            context.MergeBase,
            context.LakeRoot,
            n => Path.Combine(run.DatasetFolder, $"{context.RunId}-merge-{n}.parquet"),
            async path =>
            {
                written.Add(path);
                return await ParquetFooter.ReadAsync(run.Db, path, run.RelativePath(Path.GetFileName(path)));
            });
        output.Files = [.. output.Files, .. merge.Rewritten];
        output.BytesWritten += merge.Rewritten.Sum(f => f.Bytes);
        output.RemovedFiles = merge.Removed;
    }

    /// <summary>Deletes every file the run wrote into the lake and forgets what the output said of them.</summary>
    public void DeleteWritten()
    {
        foreach (var file in written)
        {
            File.Delete(file);
        }

        var output = run.Output;
        output.Files = [];
        output.RemovedFiles = [];
        output.Watermark = null;
        output.BytesWritten = 0;
        output.RowsLoaded = 0;
    }
}

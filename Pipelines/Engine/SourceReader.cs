using Ductus.Core.DuckDb;
using Ductus.Core.Quoting;
using Ductus.Core.Sources;
using Ductus.Core.Specs;

namespace Ductus.Pipelines.Engine;

/// <summary>
/// The extract step: creates the relation <c>source</c> that the transform reads, from the rejects
/// a run replays, the records an ingest run drained, an http or postgres source landed in the
/// run's DuckDB (<see cref="SourceLanding"/>), or files — the ones the spec's path or glob matches
/// under the workspace's roots, or one downloaded from its URL (<see cref="FileReader"/>). Before
/// any of it is read, the run's DuckDB is locked down to exactly what that source needs.
/// </summary>
internal sealed class SourceReader(RunScope run, SourceAccess access, HttpClient http, TimeProvider time, SourceSettings settings)
{
    /// <returns>True when DuckDB's CSV reader reads the source, so the lines it refused wait in <see cref="CsvParseRejects"/>.</returns>
    public async Task<bool> ExtractAsync()
    {
        var (spec, context, db) = (run.Spec, run.Context, run.Db);
        var source = spec.Source;
        IReadOnlyList<string> files = [];
        if (!run.IsReplay && source.Kind is SourceKind.Model)
        {
            files = [.. (context.Model ?? throw new InvalidOperationException("A model's run needs its pinned inputs.")).Files.Values.SelectMany(f => f)];
        }
        else if (!run.IsReplay && source.Kind is not (SourceKind.Ingest or SourceKind.Http or SourceKind.Postgres))
        {
            var resolution = access.RootsOf(context.Workspace).Resolve(source.Path);
            if (resolution.Error is { } error)
            {
                throw new IOException($"source.path: {error}");
            }

            files = resolution.IsUrl ? [await DownloadAsync(resolution.Url!)] : resolution.Files;
        }

        await LockDownAsync(files);
        if (context.ReplayNdjsonPath is { } replay)
        {
            await db.ExecAsync($"CREATE VIEW source AS SELECT * FROM {await ReplayReader.ForAsync(db, spec.Contract, replay)}");
            return false;
        }

        if (source.Kind == SourceKind.Ingest)
        {
            await db.ExecAsync($"CREATE VIEW source AS SELECT * FROM {IngestReader.For(source, context.IngestNdjsonPath)}");
            return false;
        }

        if (source.Kind is SourceKind.Model)
        {
            await ReadModelInputsAsync(context.Model!);
            return false;
        }

        if (source.Kind is SourceKind.Http or SourceKind.Postgres)
        {
            await new SourceLanding(db).LandAsync(spec, context.Watermark, run.Scratch, http, time, settings, access.Grants);
            return false;
        }

        await new IncrementalCursor(db).CreateSourceAsync(FileReader.For(source, files), spec.Incremental, context.Watermark);
        return source.Kind == SourceKind.Csv;
    }

    /// <summary>
    /// The transform and row rules are user SQL: they may read the files this run's source
    /// resolved to (real paths, inside the workspace's roots), the run's scratch folder and the
    /// dataset's lake folder, and write nowhere but the last two. Not the source roots as
    /// folders: DuckDB 1.5 does refuse a link out of an allowed folder, but with only the
    /// resolved files allowed no guarantee rests on how a DuckDB version resolves links, and
    /// a transform cannot wander through the rest of a (possibly shared) tree.
    /// </summary>
    private Task LockDownAsync(IReadOnlyList<string> sourceFiles)
    {
        var drained = new[] { run.Context.ReplayNdjsonPath, run.Context.IngestNdjsonPath }.OfType<string>().Select(Path.GetFullPath);
        return DuckDbLockdown.Allowing([run.Scratch, run.DatasetFolder], drained.Concat(sourceFiles))
            .ApplyAsync(run.Db.Connection, run.Db.Token);
    }

    /// <summary>
    /// Each input as a view over its pinned snapshot's files, under its own name, so the model's
    /// SELECT reads as it would in the query sandbox; the SELECT itself becomes <c>source</c>.
    /// </summary>
    private async Task ReadModelInputsAsync(ModelSource model)
    {
        foreach (var (dataset, files) in model.Files)
        {
            // union_by_name: appends written before a column was added still read as one table.
            // The lake's bookkeeping columns stay out: the model's own run writes its own.
            await run.Db.ExecAsync($"""
                CREATE VIEW {Sql.Ident(dataset)} AS
                SELECT COLUMNS(c -> NOT starts_with(c, '_ductus_')) FROM read_parquet({Sql.List(files)}, union_by_name = true)
                {(dataset == model.EmptyInput ? "WHERE false" : string.Empty)}
                """);
        }

        await run.Db.ExecAsync($"CREATE VIEW source AS {model.Sql}");
    }

    private async Task<string> DownloadAsync(Uri url)
    {
        var name = new string([.. Path.GetFileName(url.AbsolutePath).Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')]);
        var target = Path.Combine(run.Scratch, "download-" + (name.Trim('.').Length == 0 ? "source" : name));
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, run.Db.Token);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {url} answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }

        await using (var file = File.Create(target))
        {
            await response.Content.CopyToAsync(file, run.Db.Token);
        }

        return target;
    }
}

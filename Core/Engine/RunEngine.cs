using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ductus.Core.Lake;
using Ductus.Core.Sources;
using Ductus.Core.Specs;
using Ductus.Core.Telemetry;
using DuckDB.NET.Data;

namespace Ductus.Core.Engine;

/// <summary>
/// Runs one pipeline spec in its own in-memory DuckDB: extract → transform → contract → load.
/// Reading, transforming, checking and writing Parquet happen in one streaming pass that
/// materialises nothing (see <c>ContractAsync</c>); rejected rows wait in the run's scratch
/// folder for <see cref="RunOutput.ReadRejectsAsync"/>. Nothing here touches the catalog: the
/// caller commits the returned files.
/// </summary>
public sealed class RunEngine
{
    private const string RejectErrors = "ductus_reject_errors";
    private const string RejectScans = "ductus_reject_scans";

    /// <summary>Whether a row kept every rule; decides the contract pass, never written into a file.</summary>
    private const string PassedColumn = "_ductus_passed";

    /// <summary>The scalar function that takes a failing row's reject JSON out of the contract pass.</summary>
    private const string RejectFunction = "ductus_reject_row";

    private readonly SourceAccess access;
    private readonly HttpClient http;
    private readonly TimeProvider time;

    /// <summary>An engine whose runs, of any workspace, read under <paramref name="roots"/> (one party's host: the CLI, tests).</summary>
    public RunEngine(SourceRoots roots, HttpClient http, TimeProvider time)
        : this(SourceAccess.Shared(roots), http, time)
    {
    }

    /// <summary>An engine whose runs read what <paramref name="access"/> grants their workspace.</summary>
    public RunEngine(SourceAccess access, HttpClient http, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(time);
        this.access = access;
        this.http = http;
        this.time = time;
    }

    /// <summary>What each workspace's runs may read (error texts show paths relative to its folders).</summary>
    public SourceAccess Access => access;

    /// <summary>DuckDB worker threads per run.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>DuckDB memory limit per run; above it DuckDB spills to the run's scratch folder.</summary>
    public string MemoryLimit { get; init; } = "1GB";

    /// <summary>Secrets and PostgreSQL connections that http and postgres sources name.</summary>
    public SourceSettings Sources { get; init; } = SourceSettings.None;

    public async Task<RunOutput> ExecuteAsync(PipelineSpec spec, RunContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(context);
        if (!LakeFolders.IsSingleFolderName(context.Workspace))
        {
            throw new ArgumentException($"Workspace '{context.Workspace}' must be a single folder name.", nameof(context));
        }

        if (!Path.IsPathFullyQualified(context.LakeRoot))
        {
            throw new ArgumentException($"LakeRoot '{context.LakeRoot}' must be an absolute path.", nameof(context));
        }

        var scratch = Path.Combine(Path.GetTempPath(), $"ductus-run-{context.RunId:N}");
        Directory.CreateDirectory(scratch);
        var connection = new DuckDBConnection("Data Source=:memory:");
        var output = new RunOutput(connection, scratch);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (spec.Timeout is { } limit)
        {
            timeout.CancelAfter(limit);
        }

        var run = new Run(this, spec, context, connection, output, scratch, timeout.Token);
        try
        {
            await connection.OpenAsync(timeout.Token);
            await run.ExecuteAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException || IsInterrupt(ex))
        {
            if (ct.IsCancellationRequested)
            {
                await output.DisposeAsync();
                throw new OperationCanceledException("The run was cancelled.", ex, ct);
            }

            if (!timeout.IsCancellationRequested)
            {
                await output.DisposeAsync();
                throw;
            }

            output.Fail(run.Step, $"timed out after {Durations.Format(spec.Timeout ?? TimeSpan.Zero)}");
            run.DeleteWrittenFiles();
        }
        catch (Exception ex) when (ex is DuckDBException or IOException or HttpRequestException or UnauthorizedAccessException)
        {
            output.Fail(run.Step, ex.Message);
            run.DeleteWrittenFiles();
        }
        catch
        {
            await output.DisposeAsync();
            throw;
        }

        return output;
    }

    private static bool IsInterrupt(Exception ex) =>
        ex is DuckDBException && ex.Message.Contains("INTERRUPT", StringComparison.OrdinalIgnoreCase);

    /// <summary>The state of one execution; a class so the steps read top to bottom.</summary>
    private sealed class Run(RunEngine engine, PipelineSpec spec, RunContext context, DuckDBConnection db, RunOutput output, string scratch, CancellationToken ct)
    {
        private readonly List<string> written = [];
        private IReadOnlyList<RelationColumn> columns = [];
        private IReadOnlyList<CompiledRule> rules = [];
        private bool csvRejects;
        private string? passedFile;
        private IReadOnlyList<(string Name, string Type)> loadedColumns = [];

        public string Step { get; private set; } = RunSteps.Validate;

        public async Task ExecuteAsync()
        {
            // A replay does not read the spec's source, which may be long gone by the time rejects are fixed.
            // The same checks as when the spec was saved: grants or roots may have changed since.
            var errors = engine.access.Validate(spec, context.Workspace)
                .Where(e => context.ReplayNdjsonPath is null || !e.Path.StartsWith("source.", StringComparison.Ordinal))
                .ToList();
            if (errors.Count > 0)
            {
                output.Fail(RunSteps.Validate, string.Join("; ", errors));
                return;
            }

            await ConfigureAsync();
            await TimedAsync(RunSteps.Extract, ExtractAsync);
            await TimedAsync(RunSteps.Transform, TransformAsync);
            if (output.Failed)
            {
                return;
            }

            await TimedAsync(RunSteps.Contract, ContractAsync);
            if (output.Failed)
            {
                return;
            }

            // One load step (one span): writing the files, then the watermark and the merge's rewrites.
            await TimedAsync(RunSteps.Load, async () =>
            {
                await LoadAsync();
                if (!output.Failed)
                {
                    await AfterLoadAsync();
                }
            });
        }

        /// <summary>Incremental watermark and merge, kept apart from the load itself.</summary>
        private async Task AfterLoadAsync()
        {
            if (spec.Incremental is { } incremental && context.ReplayNdjsonPath is null)
            {
                output.Watermark = await new SourceLanding(db, Command, ct).NewWatermarkAsync(incremental, output.Columns, output.Files);
            }

            if (spec.Target.Mode != WriteMode.Merge || output.Files.Count == 0)
            {
                return;
            }

            var merge = await new MergeWriter(Command, ct).MergeAsync(
                spec.Target.Key,
                [.. output.Files.Select(f => Path.Combine(context.LakeRoot, f.RelativePath))],
                context.MergeBase,
                context.LakeRoot,
                n => Path.Combine(DatasetFolder, $"{context.RunId}-merge-{n}.parquet"),
                async path =>
                {
                    written.Add(path);
                    return await LakeFileAsync(path);
                });
            output.Files = [.. output.Files, .. merge.Rewritten];
            output.BytesWritten += merge.Rewritten.Sum(f => f.Bytes);
            output.RemovedFiles = merge.Removed;
        }

        /// <summary>A Parquet file this run rewrote (merge) as the catalog lists it: rows from the footer, stats per column.</summary>
        private Task<LakeFile> LakeFileAsync(string path) =>
            ParquetFooter.ReadAsync(Command, path, $"{context.Workspace}/{spec.Target.Dataset}/{Path.GetFileName(path)}", ct);

        public void DeleteWrittenFiles()
        {
            foreach (var file in written)
            {
                File.Delete(file);
            }

            output.Files = [];
            output.RemovedFiles = [];
            output.Watermark = null;
            output.BytesWritten = 0;
            output.RowsLoaded = 0;
        }

        private async Task TimedAsync(string step, Func<Task> body)
        {
            Step = step;
            context.Progress?.Report(new RunProgress(step));
            // A child of the run's span: one trace per run, one span per step.
            using var span = DuctusTelemetry.ActivitySource.StartActivity(step);
            var started = engine.time.GetTimestamp();
            try
            {
                await body();
            }
            catch (Exception e)
            {
                span?.SetStatus(ActivityStatusCode.Error, e.Message);
                throw;
            }
            finally
            {
                output.AddDuration(step, engine.time.GetElapsedTime(started));
                DuctusTelemetry.TagStep(span, step, output);
            }
        }

        private async Task ConfigureAsync()
        {
            var spill = Path.Combine(scratch, "spill");
            await ExecAsync($"""
                SET threads = {Sql.Number(Math.Max(1, engine.Threads))};
                SET memory_limit = {Sql.Literal(engine.MemoryLimit)};
                SET temp_directory = {Sql.Literal(spill)};
                SET TimeZone = 'UTC';
                SET enable_progress_bar = false;
                SET preserve_insertion_order = false; -- lets the pass write in parallel without buffering for order
                """);

            Directory.CreateDirectory(DatasetFolder);
        }

        /// <summary>
        /// The transform and row rules are user SQL: they may read the files this run's source
        /// resolved to (real paths, inside the workspace's roots), the run's scratch folder and the
        /// dataset's lake folder, and write nowhere but the last two. Not the source roots as
        /// folders: DuckDB 1.5 does refuse a link out of an allowed folder, but with only the
        /// resolved files allowed no guarantee rests on how a DuckDB version resolves links, and
        /// a transform cannot wander through the rest of a (possibly shared) tree.
        /// </summary>
        private async Task SandboxAsync(IReadOnlyList<string> sourceFiles)
        {
            var directories = new[] { scratch, DatasetFolder }.Select(d => d.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar);
            var files = new[] { context.ReplayNdjsonPath, context.IngestNdjsonPath }.OfType<string>().Select(Path.GetFullPath).Concat(sourceFiles).ToArray();
            await ExecAsync($"""
                SET allowed_directories = {Sql.List(directories)};
                SET allowed_paths = {(files.Length == 0 ? "[]" : Sql.List(files))};
                SET enable_external_access = false;
                SET autoinstall_known_extensions = false;
                SET autoload_known_extensions = false;
                SET lock_configuration = true;
                """);
        }

        private string DatasetFolder => Path.Combine(context.LakeRoot, context.Workspace, spec.Target.Dataset);

        private async Task ExtractAsync()
        {
            var source = spec.Source;
            IReadOnlyList<string> files = [];
            if (context.ReplayNdjsonPath is null && source.Kind is not (SourceKind.Ingest or SourceKind.Http or SourceKind.Postgres))
            {
                var resolution = engine.access.RootsOf(context.Workspace).Resolve(source.Path);
                if (resolution.Error is { } error)
                {
                    throw new IOException($"source.path: {error}");
                }

                files = resolution.IsUrl ? [await DownloadAsync(resolution.Url!)] : resolution.Files;
            }

            await SandboxAsync(files);
            if (context.ReplayNdjsonPath is { } replay)
            {
                await ExecAsync($"CREATE VIEW source AS SELECT * FROM {await ReplayReaderAsync(replay)}");
                return;
            }

            if (source.Kind == SourceKind.Ingest)
            {
                await ExecAsync($"CREATE VIEW source AS SELECT * FROM {Ingest.IngestSource.Reader(source, context.IngestNdjsonPath)}");
                return;
            }

            var landing = new SourceLanding(db, Command, ct);
            if (source.Kind is SourceKind.Http or SourceKind.Postgres)
            {
                await landing.LandAsync(spec, context.Watermark, scratch, engine.http, engine.time, engine.Sources, engine.access.Grants);
                return;
            }

            await landing.CreateSourceAsync(Reader(source, files), spec.Incremental, context.Watermark);
        }

        private string Reader(SourceSpec source, IReadOnlyList<string> files)
        {
            var args = new List<string> { Sql.List(files) };
            var types = source.Columns.Count == 0
                ? null
                : "{" + string.Join(", ", source.Columns.Select(c => $"{Sql.Literal(c.Name)}: {Sql.Literal(SpecTypes.ToDuckDb(c.Type)!)}")) + "}";
            if (source.Compression is { } compression and not "auto")
            {
                args.Add($"compression = {Sql.Literal(compression)}");
            }

            switch (source.Kind)
            {
                case SourceKind.Csv:
                    // Broken lines go to the rejects tables instead of failing the read.
                    csvRejects = true;
                    args.Add($"store_rejects = true, rejects_table = '{RejectErrors}', rejects_scan = '{RejectScans}'");
                    // Listed columns are the whole schema, so the sniffer is skipped: a file with broken lines can
                    // fool it into reading quotes as data, and then bad quoting would load instead of being rejected.
                    var sniff = types is null;
                    if (!sniff)
                    {
                        args.Add($"columns = {types}, auto_detect = false");
                    }

                    if (source.Delimiter is not null || !sniff)
                    {
                        args.Add($"delim = {Sql.Literal(source.Delimiter ?? ",")}");
                    }

                    if (source.Quote is not null || !sniff)
                    {
                        args.Add($"quote = {Sql.Literal(source.Quote ?? "\"")}");
                    }

                    if (source.Header is not null || !sniff)
                    {
                        args.Add($"header = {(source.Header ?? true ? "true" : "false")}");
                    }

                    return $"read_csv({string.Join(", ", args)})";
                case SourceKind.Json:
                case SourceKind.Ndjson:
                    args.Add(source.Kind == SourceKind.Json ? "format = 'auto'" : "format = 'newline_delimited'");
                    if (types is not null)
                    {
                        args.Add($"columns = {types}");
                    }

                    return $"read_json({string.Join(", ", args)})";
                default:
                    return $"read_parquet({Sql.List(files)})";
            }
        }

        /// <summary>
        /// Replayed rows are read with contract-typed columns as text, so a value that is still
        /// wrong becomes a reject again (the contract casts it) instead of failing the whole read.
        /// </summary>
        private async Task<string> ReplayReaderAsync(string path)
        {
            var file = Sql.List([Path.GetFullPath(path)]);
            var detected = await DescribeAsync($"SELECT * FROM read_json({file}, format = 'newline_delimited')");
            var typed = spec.Contract?.Columns.Where(c => c.Type is not null).Select(c => c.Name).ToHashSet(StringComparer.Ordinal) ?? [];
            var all = detected.Select(d => (d.Name, Type: typed.Contains(d.Name) ? "VARCHAR" : d.Type)).ToList();
            foreach (var column in spec.Contract?.Columns ?? [])
            {
                if (!all.Any(a => a.Name == column.Name))
                {
                    all.Add((column.Name, "VARCHAR"));
                }
            }

            var columnsArg = "{" + string.Join(", ", all.Select(c => $"{Sql.Literal(c.Name)}: {Sql.Literal(c.Type)}")) + "}";
            return $"read_json({file}, format = 'newline_delimited', columns = {columnsArg})";
        }

        private async Task<string> DownloadAsync(Uri url)
        {
            var name = new string([.. Path.GetFileName(url.AbsolutePath).Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')]);
            var target = Path.Combine(scratch, "download-" + (name.Trim('.').Length == 0 ? "source" : name));
            using var response = await engine.http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"GET {url} answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
            }

            await using (var file = File.Create(target))
            {
                await response.Content.CopyToAsync(file, ct);
            }

            return target;
        }

        private async Task TransformAsync()
        {
            var transform = context.ReplayNdjsonPath is null && spec.Transform is { } sql ? sql.Trim().TrimEnd(';').Trim() : "SELECT * FROM source";
            if (await SingleSelectProblemAsync(transform) is { } problem)
            {
                output.Fail(RunSteps.Transform, problem);
                return;
            }

            await ExecAsync($"CREATE VIEW transformed AS\n{transform}");
            var described = await DescribeAsync("SELECT * FROM transformed");
            var contract = spec.Contract;
            if (described.Select(d => d.Name).FirstOrDefault(n => n.StartsWith("_ductus_", StringComparison.OrdinalIgnoreCase)) is { } reserved)
            {
                output.Fail(RunSteps.Transform, $"column {reserved}: names starting with _ductus_ are reserved for the lake's own columns");
                return;
            }

            var missing = (contract?.Columns.Select(c => c.Name) ?? [])
                .Concat(contract?.UniqueKey ?? [])
                .Where(name => !described.Any(d => d.Name == name))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            if (missing.Count > 0)
            {
                output.Fail(RunSteps.Transform, $"the contract names columns the transform does not produce: {string.Join(", ", missing)} (it produces: {string.Join(", ", described.Select(d => d.Name))})");
                return;
            }

            columns = [.. described.Select(d =>
            {
                var c = contract?.Columns.FirstOrDefault(x => x.Name == d.Name);
                return new RelationColumn(d.Name, d.Type, SpecTypes.ToDuckDb(c?.Type), c);
            })];
            rules = ContractSql.Compile(contract, columns);
        }

        /// <summary>
        /// The contract and the write in one streaming pass, nothing materialised (unless a unique
        /// rule needs a window over all rows): passing rows go straight to Parquet exactly as the
        /// lake stores them; a failing row is filtered out by <see cref="RejectFunction"/>, which
        /// DuckDB calls for failing rows only (the ELSE of a CASE) and which appends the row's
        /// rules, messages and original values to an NDJSON file in the run's scratch folder.
        /// One read of the source, one write, and rejects never cost the passing rows anything.
        /// </summary>
        private async Task ContractAsync()
        {
            var loadedAt = engine.time.GetUtcNow().ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00";
            var select = new StringBuilder("SELECT ");
            foreach (var column in columns)
            {
                // TRY_CAST: a value that does not cast is already a broken type rule, so only rejected rows see its NULL.
                select.Append(column.NeedsCast ? $"TRY_CAST({Sql.Ident(column.Name)} AS {column.TargetType}) AS {Sql.Ident(column.Name)}" : Sql.Ident(column.Name)).Append(", ");
            }

            var reject = $"CAST(to_json({{'rules': {ContractSql.BrokenListExpression(rules)}, 'message': {ContractSql.MessageExpression(rules)}, 'values': json({ContractSql.ValuesJsonExpression(columns)})}}) AS VARCHAR)";
            select.Append(CultureInfo.InvariantCulture, $"CAST({Sql.Literal(context.RunId.ToString())} AS VARCHAR) AS _ductus_run_id, ");
            select.Append(CultureInfo.InvariantCulture, $"CAST({Sql.Literal(loadedAt)} AS TIMESTAMPTZ) AS _ductus_loaded_at ");
            // The decision sits in the inner SELECT, where a unique rule's window function may be, and the outer WHERE only reads it.
            select.Append(CultureInfo.InvariantCulture, $"FROM (SELECT *, CASE WHEN {ContractSql.PassedExpression(rules)} THEN true ELSE {RejectFunction}({reject}) END AS {PassedColumn} FROM transformed) ");

            Directory.CreateDirectory(Staging);
            var passedFile = Path.Combine(Staging, "passed.parquet");
            var rejectsFile = Path.Combine(Staging, "rejected.ndjson");
            using var sink = new RejectSink(rejectsFile);
            sink.Register(db, RejectFunction);
            var described = await DescribeAsync(select.ToString());
            output.Columns = [.. described.Select(d =>
            {
                var contract = columns.FirstOrDefault(c => c.Name == d.Name)?.Contract;
                var description = d.Name switch
                {
                    "_ductus_run_id" => "Run that loaded the row",
                    "_ductus_loaded_at" => "When the row was loaded",
                    _ => contract?.Description,
                };
                return new DatasetColumn(d.Name, d.Type, description, contract?.Required ?? d.Name.StartsWith("_ductus_", StringComparison.Ordinal));
            })];
            loadedColumns = described;

            select.Append(CultureInfo.InvariantCulture, $"WHERE {PassedColumn}");
            long good;
            await using (var command = Command($"COPY ({select}) TO {Sql.Literal(passedFile)} (FORMAT parquet, COMPRESSION zstd)"))
            {
                good = Convert.ToInt64(await command.ExecuteNonQueryAsync(ct), CultureInfo.InvariantCulture);
            }

            var bad = sink.Count;
            // Flushed before the rejects are read back.
            sink.Dispose();

            this.passedFile = good > 0 ? passedFile : null;
            if (bad > 0)
            {
                output.ContractRejectsSql = $$"""
                    SELECT CAST(to_json(rules) AS VARCHAR), message, CAST("values" AS VARCHAR)
                    FROM read_json({{Sql.Literal(rejectsFile)}}, format = 'newline_delimited', columns = {rules: 'VARCHAR[]', message: 'VARCHAR', "values": 'JSON'})
                    """;
            }

            var parseRejects = 0L;
            if (csvRejects && await TableExistsAsync(RejectErrors))
            {
                var groups = $"""
                    SELECT e.line, string_agg(DISTINCT e.error_message, '; ') AS message, first(e.csv_line) AS raw, s.file_path
                    FROM {RejectErrors} e JOIN {RejectScans} s ON e.scan_id = s.scan_id AND e.file_id = s.file_id
                    GROUP BY s.file_path, e.line
                    """;
                parseRejects = await ScalarAsync($"SELECT count(*) FROM ({groups})");
                output.ParseRejectsSql = $"SELECT line, message, raw FROM ({groups}) ORDER BY file_path, line";
            }

            output.RowsRead = good + bad + parseRejects;
            output.RowsRejected = bad + parseRejects;
            output.RowsLoaded = good;
            context.Progress?.Report(new RunProgress(RunSteps.Contract, output.RowsRead));

            var contract = spec.Contract;
            if (contract is null)
            {
                return;
            }

            var rejected = output.RowsRejected;
            if (contract.Policy == ContractPolicy.Fail && rejected > 0)
            {
                Refuse($"policy fail: {rejected} of {output.RowsRead} rows broke the contract");
                return;
            }

            var ratio = output.RowsRead == 0 ? 0 : (double)rejected / output.RowsRead;
            if (contract.MaxRejectRatio is { } max && ratio > max)
            {
                Refuse($"reject ratio {ratio.ToString("0.####", CultureInfo.InvariantCulture)} exceeds max_reject_ratio {max.ToString(CultureInfo.InvariantCulture)}");
                return;
            }

            if (contract.MinRows is { } minRows && good < minRows)
            {
                Refuse($"min_rows {minRows} not met: {good} rows passed the contract");
                return;
            }

            if (contract.MaxRows is { } maxRows && good > maxRows)
            {
                Refuse($"max_rows {maxRows} exceeded: {good} rows passed the contract");
            }
        }

        private void Refuse(string reason)
        {
            output.RowsLoaded = 0;
            output.Fail(RunSteps.Contract, reason);
        }

        /// <summary>Staging folder of the contract pass, in the run's scratch folder (deleted with it).</summary>
        private string Staging => Path.Combine(scratch, "staging");

        /// <summary>Moves the passing rows' file into the dataset's lake folder and records its stats.</summary>
        private async Task LoadAsync()
        {
            if (passedFile is null)
            {
                output.Files = [];
                return;
            }

            var fileName = $"{context.RunId}-0.parquet";
            var path = Path.Combine(DatasetFolder, fileName);
            written.Add(path);
            // A rename when scratch and lake share a file system, a copy otherwise.
            File.Move(passedFile, path);
            var stats = await ParquetFooter.StatsAsync(Command, path, loadedColumns, ct);
            var file = new LakeFile($"{context.Workspace}/{spec.Target.Dataset}/{fileName}", output.RowsLoaded, new FileInfo(path).Length, stats);
            output.Files = [file];
            output.BytesWritten = file.Bytes;
            context.Progress?.Report(new RunProgress(RunSteps.Load, file.Rows));
        }

        /// <summary>
        /// Why the transform is not exactly one SELECT, using DuckDB's own parser; null when it is.
        /// A second statement would otherwise run as part of CREATE VIEW.
        /// </summary>
        private async Task<string?> SingleSelectProblemAsync(string transform)
        {
            await using var command = Command("SELECT CAST(json_serialize_sql(CAST($1 AS VARCHAR)) AS VARCHAR)");
            command.Parameters.Add(new DuckDBParameter(transform));
            var json = (string?)await command.ExecuteScalarAsync(ct) ?? "{}";
            using var parsed = System.Text.Json.JsonDocument.Parse(json);
            var root = parsed.RootElement;
            if (root.TryGetProperty("error", out var error) && error.ValueKind == System.Text.Json.JsonValueKind.True)
            {
                var message = root.TryGetProperty("error_message", out var m) ? m.GetString() : null;
                return $"transform must be a single SELECT statement: {message}";
            }

            return root.TryGetProperty("statements", out var statements) && statements.GetArrayLength() == 1
                ? null
                : "transform must be a single SELECT statement";
        }

        private async Task<bool> TableExistsAsync(string name) =>
            await ScalarAsync($"SELECT count(*) FROM duckdb_tables() WHERE table_name = {Sql.Literal(name)}") > 0;

        private async Task<List<(string Name, string Type)>> DescribeAsync(string query)
        {
            var result = new List<(string, string)>();
            await using var command = Command($"DESCRIBE {query}");
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                result.Add((reader.GetString(0), reader.GetString(1)));
            }

            return result;
        }

        private async Task<long> ScalarAsync(string sql)
        {
            await using var command = Command(sql);
            var value = await command.ExecuteScalarAsync(ct);
            return value is null or DBNull ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
        }

        private async Task ExecAsync(string sql)
        {
            await using var command = Command(sql);
            await command.ExecuteNonQueryAsync(ct);
        }

        private DuckDBCommand Command(string sql) => DuckDbCommands.Create(db, sql, ct);
    }
}

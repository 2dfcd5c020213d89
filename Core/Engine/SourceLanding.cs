using System.Globalization;
using Ductus.Core.Lake;
using Ductus.Core.Net;
using Ductus.Core.Sources;
using Ductus.Core.Specs;
using DuckDB.NET.Data;
using Npgsql;

namespace Ductus.Core.Engine;

/// <summary>
/// The extract step for API and database sources, and the incremental cursor for every kind.
/// HTTP pages land as NDJSON in the run's scratch folder and PostgreSQL rows land in a DuckDB
/// table; either way the rest of the run sees one relation named <c>source</c>.
/// </summary>
internal sealed class SourceLanding(DuckDBConnection db, Func<string, DuckDBCommand> command, CancellationToken ct)
{
    private const string Landed = "source_landed";

    /// <summary>Lands an http or postgres source and creates <c>source</c> over it.</summary>
    public async Task LandAsync(PipelineSpec spec, string? watermark, string scratch, HttpClient http, TimeProvider time, SourceSettings settings, SourceGrants grants)
    {
        var source = spec.Source;
        if (source.Kind is SourceKind.Postgres)
        {
            var after = spec.Incremental is { } inc && watermark is not null ? new CursorFilter(inc.Cursor, watermark) : null;
            var builder = new NpgsqlDataSourceBuilder(settings.PostgresConnectionString(source.Connection!));
            builder.ConnectionStringBuilder.ApplicationName ??= "ductus-source";
            await using var pg = builder.Build();
            await PostgresExtractor.ExtractAsync(pg, source.Query!, after, db, Landed, ct);
            // The filter already ran in PostgreSQL, where it can use the source's indexes.
            await ExecAsync($"CREATE VIEW source AS SELECT * FROM {Landed}");
            return;
        }

        // Every request (first page, next pages, redirects) may go only where all its secrets are bound.
        var api = SourceSpecRules.ToHttpApiSource(source, settings.Secret, spec.Incremental, watermark) with { CredentialHosts = grants.CredentialHosts(source) };
        var file = Path.Combine(scratch, "api.ndjson");
        HttpExtractResult result;
        try
        {
            result = await new HttpApiExtractor(http, time, settings.SecretByName).ExtractAsync(api, file, ct);
        }
        catch (HttpRequestException e) when (GuardedHttp.Refusal(e) is { } refused)
        {
            throw new HttpRequestException($"source.url: {refused.Message}", e);
        }

        var reader = Reader(source, file, result.Records);
        await CreateSourceAsync(reader, spec.Incremental, watermark);
    }

    /// <summary>
    /// Creates <c>source</c> over <paramref name="relation"/>, keeping only rows past the
    /// watermark. The cursor type decides how the stored text compares, so 10 follows 9.
    /// </summary>
    public async Task CreateSourceAsync(string relation, IncrementalSpec? incremental, string? watermark)
    {
        if (incremental is null || watermark is null)
        {
            await ExecAsync($"CREATE VIEW source AS SELECT * FROM {relation}");
            return;
        }

        await ExecAsync($"CREATE VIEW {Landed} AS SELECT * FROM {relation}");
        var type = await CursorTypeAsync($"SELECT * FROM {Landed}", incremental.Cursor, "the source");
        await ExecAsync($"CREATE VIEW source AS SELECT * FROM {Landed} WHERE {Sql.Ident(incremental.Cursor)} > CAST({Sql.Literal(watermark)} AS {type})");
    }

    /// <summary>The highest cursor among the rows the run loaded (from the new files' footers), or null when none.</summary>
    public async Task<string?> NewWatermarkAsync(IncrementalSpec incremental, IReadOnlyList<DatasetColumn> columns, IReadOnlyList<LakeFile> files)
    {
        var column = columns.FirstOrDefault(c => c.Name == incremental.Cursor)
            ?? throw new IOException($"incremental.cursor: the transform does not keep column '{incremental.Cursor}', so the run cannot record how far it read.");
        CheckCursorType(column.Type, "the loaded rows");
        var maxima = files.Select(f => f.Stats.TryGetValue(column.Name, out var s) ? s.Max : null).OfType<string>().ToList();
        if (maxima.Count == 0)
        {
            return null;
        }

        var values = string.Join(", ", maxima.Select(m => $"({Sql.Literal(m)})"));
        await using var max = command($"SELECT CAST(max(CAST(v AS {column.Type})) AS VARCHAR) FROM (VALUES {values}) AS t(v)");
        return await max.ExecuteScalarAsync(ct) as string;
    }

    private static string Reader(SourceSpec source, string file, long records)
    {
        var args = new List<string> { Sql.List([file]), "format = 'newline_delimited'" };
        if (source.Columns.Count > 0)
        {
            args.Add("columns = {" + string.Join(", ", source.Columns.Select(c => $"{Sql.Literal(c.Name)}: {Sql.Literal(SpecTypes.ToDuckDb(c.Type)!)}")) + "}");
        }
        else if (records == 0)
        {
            throw new IOException("source: the API returned no records and the spec lists no source.columns, so the source has no schema (list the columns for APIs that can answer with nothing new).");
        }

        return $"read_json({string.Join(", ", args)})";
    }

    private async Task<string> CursorTypeAsync(string query, string cursor, string where)
    {
        var columns = new List<(string Name, string Type)>();
        await using (var describe = command($"DESCRIBE {query}"))
        await using (var reader = await describe.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                columns.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var type = columns.FirstOrDefault(c => c.Name == cursor).Type
            ?? throw new IOException($"incremental.cursor: {where} has no column '{cursor}' (it has: {string.Join(", ", columns.Select(c => c.Name))}).");
        CheckCursorType(type, where);
        return type;
    }

    private static void CheckCursorType(string type, string where)
    {
        if (type is "FLOAT" or "DOUBLE" || !(SpecTypes.IsNumeric(type) || SpecTypes.IsTemporal(type) || type.StartsWith("TIMESTAMP", StringComparison.Ordinal)))
        {
            throw new IOException(string.Create(CultureInfo.InvariantCulture, $"incremental.cursor: in {where} the cursor is {type}; it must be a timestamp, a date or an integer (cast it in source.columns or the transform)."));
        }
    }

    private async Task ExecAsync(string sql)
    {
        await using var c = command(sql);
        await c.ExecuteNonQueryAsync(ct);
    }
}

using Ductus.Core.Quoting;
using Ductus.Core.Sources;
using Ductus.Core.Specs;
using Ductus.Pipelines.Net;
using Ductus.Pipelines.Sources;
using Npgsql;

namespace Ductus.Pipelines.Engine;

/// <summary>
/// The extract step for API and database sources. HTTP pages land as NDJSON in the run's scratch
/// folder and PostgreSQL rows land in a DuckDB table; either way the rest of the run sees one
/// relation named <c>source</c>.
/// </summary>
internal sealed class SourceLanding(DuckDbSession db)
{
    /// <summary>What a source landed as, before <c>source</c> is created over it.</summary>
    public const string Landed = "source_landed";

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
            await PostgresExtractor.ExtractAsync(pg, source.Query!, after, db.Connection, Landed, db.Token);
            // The filter already ran in PostgreSQL, where it can use the source's indexes.
            await db.ExecAsync($"CREATE VIEW source AS SELECT * FROM {Landed}");
            return;
        }

        // Every request (first page, next pages, redirects) may go only where all its secrets are bound.
        var api = SourceSpecRules.ToHttpApiSource(source, settings.Secret, spec.Incremental, watermark) with { CredentialHosts = grants.CredentialHosts(source) };
        var file = Path.Combine(scratch, "api.ndjson");
        HttpExtractResult result;
        try
        {
            result = await new HttpApiExtractor(http, time, settings.SecretByName).ExtractAsync(api, file, db.Token);
        }
        catch (HttpRequestException e) when (GuardedHttp.Refusal(e) is { } refused)
        {
            throw new HttpRequestException($"source.url: {refused.Message}", e);
        }

        var reader = Reader(source, file, result.Records);
        await new IncrementalCursor(db).CreateSourceAsync(reader, spec.Incremental, watermark);
    }

    private static string Reader(SourceSpec source, string file, long records)
    {
        var args = new List<string> { Sql.List([file]), "format = 'newline_delimited'" };
        if (source.Columns.Count > 0)
        {
            args.Add("columns = " + FileReader.ColumnTypes(source.Columns));
        }
        else if (records == 0)
        {
            throw new IOException("source: the API returned no records and the spec lists no source.columns, so the source has no schema (list the columns for APIs that can answer with nothing new).");
        }

        return $"read_json({string.Join(", ", args)})";
    }
}

using Ductus.Core.Engine;
using Ductus.Core.Specs;

namespace Ductus.Core.Ingest;

/// <summary>How a run reads the records it drained from the ingest buffer.</summary>
public static class IngestSource
{
    /// <summary>
    /// The column every drained record carries: the batch (request) it came in, so rejects and
    /// loaded rows can be traced to the request that sent them.
    /// </summary>
    public const string BatchColumn = "ingest_batch_id";

    /// <summary>The DuckDB table function over the drained records (NDJSON written by <see cref="IngestBuffer.DrainAsync"/>).</summary>
    internal static string Reader(SourceSpec source, string? ndjsonPath)
    {
        if (ndjsonPath is null)
        {
            throw new IOException("source: an ingest source has no file to read; it is drained by a run of the Pipelines service, which reads the dataset's ingest buffer.");
        }

        var file = Sql.List([Path.GetFullPath(ndjsonPath)]);
        if (source.Columns.Count == 0)
        {
            // Pushed records need not all have the same keys: look at every one, not a sample.
            return $"read_json({file}, format = 'newline_delimited', sample_size = -1)";
        }

        var columns = source.Columns.Where(c => c.Name != BatchColumn)
            .Select(c => $"{Sql.Literal(c.Name)}: {Sql.Literal(SpecTypes.ToDuckDb(c.Type)!)}")
            .Prepend($"{Sql.Literal(BatchColumn)}: 'VARCHAR'");
        return $"read_json({file}, format = 'newline_delimited', columns = {{{string.Join(", ", columns)}}})";
    }
}

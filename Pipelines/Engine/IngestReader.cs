using Ductus.Core.Ingest;
using Ductus.Core.Quoting;
using Ductus.Core.Specs;

namespace Ductus.Pipelines.Engine;

/// <summary>How a run reads the records it drained from the ingest buffer.</summary>
internal static class IngestReader
{
    /// <summary>The DuckDB table function over the drained records (NDJSON written by <see cref="Ingest.IngestDrainer.DrainAsync"/>).</summary>
    public static string For(SourceSpec source, string? ndjsonPath)
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

        var columns = source.Columns.Where(c => c.Name != IngestSource.BatchColumn)
            .Select(c => $"{Sql.Literal(c.Name)}: {Sql.Literal(SpecTypes.ToDuckDb(c.Type)!)}")
            .Prepend($"{Sql.Literal(IngestSource.BatchColumn)}: 'VARCHAR'");
        return $"read_json({file}, format = 'newline_delimited', columns = {{{string.Join(", ", columns)}}})";
    }
}

using Ductus.Core.Quoting;
using Ductus.Core.Specs;

namespace Ductus.Pipelines.Engine;

/// <summary>The DuckDB table function that reads a file source (CSV, JSON, NDJSON or Parquet) as its spec describes it.</summary>
internal static class FileReader
{
    public static string For(SourceSpec source, IReadOnlyList<string> files)
    {
        var args = new List<string> { Sql.List(files) };
        var types = source.Columns.Count == 0 ? null : ColumnTypes(source.Columns);
        if (source.Compression is { } compression and not "auto")
        {
            args.Add($"compression = {Sql.Literal(compression)}");
        }

        switch (source.Kind)
        {
            case SourceKind.Csv:
                // Broken lines go to the rejects tables instead of failing the read.
                args.Add(CsvParseRejects.ReaderOptions);
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

    /// <summary>The <c>columns</c> argument of <c>read_csv</c> and <c>read_json</c>: <c>{'name': 'TYPE', ...}</c> in the DuckDB types the spec's types stand for.</summary>
    public static string ColumnTypes(IEnumerable<SourceColumn> columns) =>
        "{" + string.Join(", ", columns.Select(c => $"{Sql.Literal(c.Name)}: {Sql.Literal(SpecTypes.ToDuckDb(c.Type)!)}")) + "}";
}
